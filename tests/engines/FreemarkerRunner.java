// Batch runner for Apache FreeMarker (Debian libfreemarker-java), see README.md.
//
// stdin:  JSON array of cases {"template": "...", "data": {...},
//                              "output_format": "HTML" (optional), "locale": "en-US" (optional)}
// stdout: JSON array of results {"ok": true, "output": "..."} | {"ok": false, "error": "one line"}
//
// A stock Configuration (incompatible_improvements = the installed 2.3.31) except:
// template_exception_handler = RETHROW, log_template_exceptions = false, and, for
// reproducibility across machines, locale en_US, time zone UTC, UTF-8 (the stock
// locale/zone are the JVM's defaults, which depend on the environment).
// Number format, boolean format and output format stay at their defaults.

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import freemarker.core.Environment;
import freemarker.core.OutputFormat;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

public final class FreemarkerRunner {
    private static final int MAX_ERROR = 2000;
    private static final Map<String, Configuration> CONFIGS = new HashMap<>();

    private FreemarkerRunner() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("org.freemarker.loggerLibrary", "none");
        // The protocol owns stdout; anything a template or library prints goes to stderr.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        System.setOut(System.err);

        String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        JsonArray cases = JsonParser.parseString(input).getAsJsonArray();

        JsonArray results = new JsonArray();
        int index = 0;
        for (JsonElement c : cases) {
            JsonObject result = new JsonObject();
            try {
                String output = render(c.getAsJsonObject(), index);
                result.addProperty("ok", true);
                result.addProperty("output", output);
            } catch (Throwable t) {
                result.addProperty("ok", false);
                result.addProperty("error", oneLine(t));
            }
            results.add(result);
            index++;
        }
        Gson gson = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
        out.print(gson.toJson(results));
        out.flush();
    }

    static Configuration config(String outputFormat) throws Exception {
        String key = outputFormat == null ? "" : outputFormat;
        Configuration cfg = CONFIGS.get(key);
        if (cfg == null) {
            cfg = new Configuration(Configuration.VERSION_2_3_31);
            cfg.setDefaultEncoding("UTF-8");
            cfg.setLocale(Locale.US);
            cfg.setTimeZone(TimeZone.getTimeZone("UTC"));
            cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
            cfg.setLogTemplateExceptions(false);
            if (outputFormat != null) {
                // Looks up the standard names: HTML, XHTML, XML, RTF, plainText, undefined, ...
                OutputFormat of = cfg.getOutputFormat(outputFormat);
                cfg.setOutputFormat(of);
            }
            CONFIGS.put(key, cfg);
        }
        return cfg;
    }

    static String render(JsonObject c, int index) throws Exception {
        JsonElement t = c.get("template");
        if (t == null || !t.isJsonPrimitive() || !t.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("case has no \"template\" string");
        }
        JsonElement of = c.get("output_format");
        String outputFormat = (of == null || of.isJsonNull()) ? null : of.getAsString();
        Configuration cfg = config(outputFormat);

        Object data = c.has("data") ? convert(c.get("data")) : new LinkedHashMap<String, Object>();
        if (data == null) {
            data = new LinkedHashMap<String, Object>();
        }
        if (!(data instanceof Map)) {
            throw new IllegalArgumentException("\"data\" must be a JSON object");
        }

        Template template = new Template("case-" + index, new StringReader(t.getAsString()), cfg);
        StringWriter w = new StringWriter();
        Environment env = template.createProcessingEnvironment(data, w);
        JsonElement loc = c.get("locale");
        if (loc != null && !loc.isJsonNull()) {
            env.setLocale(Locale.forLanguageTag(loc.getAsString()));
        }
        env.process();
        return w.toString();
    }

    /** JSON -> plain Java: LinkedHashMap, ArrayList, String, Boolean, null, and numbers as
     *  Integer/Long/BigInteger when whole-valued, else BigDecimal (exact, from the JSON text). */
    static Object convert(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
                m.put(entry.getKey(), convert(entry.getValue()));
            }
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonElement x : e.getAsJsonArray()) {
                l.add(convert(x));
            }
            return l;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        BigDecimal bd = new BigDecimal(p.getAsNumber().toString());
        if (bd.signum() == 0 || bd.stripTrailingZeros().scale() <= 0) {
            BigInteger bi = bd.toBigIntegerExact();
            if (bi.bitLength() < 32) {
                return bi.intValue();
            }
            if (bi.bitLength() < 64) {
                return bi.longValue();
            }
            return bi;
        }
        return bd;
    }

    static String oneLine(Throwable t) {
        String msg;
        if (t instanceof TemplateException) {
            msg = ((TemplateException) t).getMessageWithoutStackTop();
        } else {
            msg = t.getMessage();
        }
        if (msg == null) {
            msg = "";
        }
        StringBuilder sb = new StringBuilder(t.getClass().getSimpleName());
        boolean first = true;
        for (String line : msg.split("\\r?\\n")) {
            String s = line.trim();
            if (s.startsWith("----")) {
                break; // FreeMarker's "Tip:" / stack-trace sections follow
            }
            if (s.isEmpty()) {
                continue;
            }
            sb.append(first ? ": " : " | ").append(s);
            first = false;
        }
        String r = sb.toString();
        return r.length() > MAX_ERROR ? r.substring(0, MAX_ERROR) + "..." : r;
    }
}
