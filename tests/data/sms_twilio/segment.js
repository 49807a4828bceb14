// Twilio's SMS segment calculator (calculator/, sms-segments-calculator 1.2.0 as built in
// TwilioDevEd/message-segment-calculator a50230f, MIT, with grapheme-splitter 1.0.4 in
// node_modules/, MIT) run on many texts at once, for tests/test_sms_graphemes.py.
// stdin: a JSON array of strings. stdout: a JSON array, for each text
// {"encoding": "GSM-7" | "UCS-2", "segments": [the text of each segment]}.
'use strict';
const path = require('path');
const { SegmentedMessage } = require(path.join(__dirname, 'calculator'));

// A Segment is an Array subclass whose constructor adds a header: walk it by index, since
// filter() and map() would build new Segments. It holds its user data header first, then the
// encoded characters (graphemes).
function segmentText(segment) {
  let text = '';
  for (let i = 0; i < segment.length; i++) {
    if (!segment[i].isUserDataHeader) text += segment[i].raw;
  }
  return text;
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  const out = texts.map((text) => {
    const message = new SegmentedMessage(text);
    return {
      encoding: message.encodingName,
      segments: message.segments.map(segmentText),
    };
  });
  process.stdout.write(JSON.stringify(out));
});
