#!/usr/bin/env ruby
# frozen_string_literal: true

# Batch runner for Shopify Liquid (Debian ruby-liquid, see versions.txt).
# Case: {"template": "...", "data": {...}, "error_mode": "lax"|"warn"|"strict" (optional)}.
# Liquid::Template.parse(t, error_mode:).render(data) with string-keyed data, i.e. stock
# behaviour (default error mode :lax). Stock render does not raise: it writes
# "Liquid error: ..." into the output and records the error in template.errors --
# this runner reports such a case as ok=false with that error instead.
require 'json'
require 'liquid'

def one_line(err)
  msg = "#{err.class.name}: #{err.message}"
  msg = msg.split(/\r?\n/).map(&:strip).reject(&:empty?).join(' | ')
  msg.length > 2000 ? "#{msg[0, 2000]}..." : msg
end

input = $stdin.read.force_encoding(Encoding::UTF_8)
out = $stdout
out.binmode
$stdout = $stderr # the protocol owns stdout

cases = JSON.parse(input)
raise ArgumentError, 'stdin must be a JSON array of cases' unless cases.is_a?(Array)

results = cases.map do |c|
  begin
    raise ArgumentError, 'case has no "template" string' unless c.is_a?(Hash) && c['template'].is_a?(String)

    data = c['data'] || {}
    raise ArgumentError, '"data" must be a JSON object' unless data.is_a?(Hash)

    opts = {}
    opts[:error_mode] = c['error_mode'].to_sym if c['error_mode']
    template = Liquid::Template.parse(c['template'], **opts)
    output = template.render(data)
    if template.errors.empty?
      { 'ok' => true, 'output' => output }
    else
      { 'ok' => false, 'error' => one_line(template.errors.first) }
    end
  rescue StandardError, SystemStackError => e
    { 'ok' => false, 'error' => one_line(e) }
  end
end

out.write(JSON.generate(results))
out.flush
