import { PARAMETERS, pattern, TARGET, type ValueRule } from "../rule.ts";

/**
 * Cross-site scripting. People write "<3", "a < b", "x<y" and "I <b>love</b> it"; what only an
 * attack writes is a tag that runs script, an event-handler attribute, a script URL or a DOM
 * sink. The path is included: a 404 page may echo it.
 */
const targets = PARAMETERS | TARGET.header | TARGET.path;

/** Event-handler attributes browsers actually fire (listed, so "online=" is not one). */
const EVENT_NAME =
  "(?:error|load|click|dblclick|auxclick|contextmenu|mouse[a-z]{2,5}|pointer[a-z]{2,6}|focus(?:in|out)?|blur|key(?:up|down|press)|change|input|invalid|submit|reset|select|toggle|begin|end|repeat|animation[a-z]{3,9}|transition[a-z]{3,6}|drag[a-z]{0,5}|drop|copy|cut|paste|scroll[a-z]{0,3}|wheel|resize|show|touch[a-z]{3,6}|play(?:ing)?|pause|seek(?:ed|ing)|canplay(?:through)?|ended|loadstart|loadend|loadeddata|loadedmetadata|progress|timeupdate|volumechange|waiting|hashchange|popstate|message|unload|beforeunload|beforeprint|afterprint|pageshow|pagehide|readystatechange|search|start|finish|bounce|formdata|securitypolicyviolation|webkit[a-z]{3,24})";
const EVENT_HANDLER = `on${EVENT_NAME}`;

const QUOTES = "'\"`";

export const xssRules: ValueRule[] = [
  pattern({
    id: "xss-script-tag",
    category: "xss",
    score: 5,
    targets,
    chars: "<",
    anyOf: ["script"],
    // No space after `<`: browsers do not read `< script` as a tag, people write "x < script".
    pattern: /<\/?script\b/,
    description: "a script tag",
  }),
  pattern({
    id: "xss-tag-event-handler",
    category: "xss",
    score: 5,
    targets,
    chars: "<",
    alsoChars: "=",
    anyOf: ["on"],
    // Any tag (`<x`, `<svg/`, `<img`) with an event handler before the tag closes.
    pattern: new RegExp(`<[a-z!?/][^<>]{0,256}[\\s/"'\`;]${EVENT_HANDLER} ?=`),
    description: "a tag carrying an event-handler attribute",
  }),
  pattern({
    id: "xss-attribute-event-handler",
    category: "xss",
    score: 4,
    targets,
    chars: "=",
    anyOf: ["on"],
    // Starts at a literal "on", then looks back for what may precede an attribute.
    pattern: new RegExp(`on(?<=(?:^|["'\`;/ ])on)${EVENT_NAME} ?=`),
    description: "an event-handler attribute injected into an existing tag",
  }),
  pattern({
    id: "xss-script-url",
    category: "xss",
    score: 5,
    targets,
    chars: ":",
    anyOf: ["t:", "t :", "data"],
    // Browsers drop tabs and newlines inside a URL scheme; normalisation made them one space.
    pattern:
      /(?:^|[^a-z])(?:j ?a ?v ?a ?s ?c ?r ?i ?p ?t|v ?b ?s ?c ?r ?i ?p ?t|l ?i ?v ?e ?s ?c ?r ?i ?p ?t) ?:[^ ]|\bdata ?: ?(?:text\/html|image\/svg\+xml|application\/(?:x-)?(?:java|ecma)script|text\/(?:java|ecma)script)/,
    description: "a javascript:, vbscript: or scriptable data: URL",
  }),
  pattern({
    id: "xss-script-url-spaced",
    category: "xss",
    score: 3,
    targets,
    chars: ":",
    anyOf: ["script"],
    pattern: /\b(?:java|vb)script ?: /,
    description: "javascript: followed by a space (weak: also a book title)",
  }),
  pattern({
    id: "xss-loading-tag",
    category: "xss",
    score: 5,
    targets,
    chars: "<",
    alsoChars: "=",
    pattern:
      /<(?:iframe|frame|embed|object|script|base|link|meta|form|applet|import|isindex)\b[^<>]{0,256}[\s/"'](?:src|data|href|action|code|codebase|content|formaction|srcdoc|http-equiv) ?=/,
    description: "a tag that loads or navigates to a URL",
  }),
  pattern({
    id: "xss-dangerous-tag",
    category: "xss",
    score: 4,
    targets,
    chars: "<",
    pattern:
      /<(?:iframe|frame|frameset|object|embed|applet|base|meta|link|style|svg|math|xml|xss|form|isindex|template|marquee|body|img|image|video|audio|source|input|textarea|details|keygen|noscript|noembed|title|animate|set|use|foreignobject)\b/,
    description: "a tag that can run script or load content (weak on its own)",
  }),
  pattern({
    id: "xss-attribute-breakout",
    category: "xss",
    score: 3,
    targets,
    chars: ">",
    alsoChars: QUOTES,
    pattern: /["'`] ?\/? ?> ?<[a-z!/]/,
    description: "closing an attribute and opening a new tag",
  }),
  pattern({
    id: "xss-script-breakout",
    category: "xss",
    score: 5,
    targets,
    chars: QUOTES,
    alsoChars: "-+*/%;,|&^",
    // `'-alert(1)-'`, `";alert(1);//`: closing a string inside a script and calling out.
    pattern:
      /['"`] ?[-+*/%;,|&^] ?(?:(?:alert|prompt|confirm|eval|print|fetch|settimeout|setinterval|import) ?[(`]|(?:document|window|location|top|self|this) ?[.[])/,
    description: "a string closed inside a script, then a call",
  }),
  pattern({
    id: "xss-dom-sink",
    category: "xss",
    score: 4,
    targets,
    chars: ".[",
    anyOf: ["document", "window", "html", "fromcharcode", "location", "constructor", "top", "self", "parent"],
    pattern:
      /\bdocument ?\. ?(?:cookie|domain|write|location)\b|\bwindow ?\. ?(?:location|name|open)\b|\.(?:inner|outer)html\b|\bfromcharcode\b|\blocation ?\. ?(?:href|hash|search|replace|assign)\b|\bconstructor ?\. ?constructor\b|\b(?:top|self|parent|window)\[ ?['"`]/,
    description: "a DOM sink or script-construction gadget",
  }),
  pattern({
    id: "xss-script-call",
    category: "xss",
    score: 3,
    targets,
    chars: "(`",
    // Starts at the "(" or backtick and looks back for the name (one scan for one character).
    pattern: /[(`](?<=\b(?:alert|prompt|confirm|eval|settimeout|setinterval|atob|import|print) ?[(`])/,
    description: "a call to a function payloads use (weak: also English)",
  }),
  pattern({
    id: "xss-css-script",
    category: "xss",
    score: 5,
    targets,
    chars: ":(@",
    anyOf: ["binding", "behavio", "expression(", "@import"],
    pattern:
      /-moz-binding ?:|\bbehaviou?r ?: ?url ?\(|\bexpression\( ?[a-z]|@import ?(?:url ?\( ?)?['"]?(?:https?:)?\/\//,
    description: "script or remote style sheets in CSS (expression(), -moz-binding, @import)",
  }),
  pattern({
    id: "xss-template-injection",
    category: "xss",
    score: 5,
    targets,
    chars: "{",
    anyOf: ["{{"],
    // Starts at the gadget's name and looks back for the `{{` that opens the expression.
    pattern: /(?:constructor|\$on|\$eval|_c\.)(?<=\{\{[^}]{0,64}(?:constructor|\$on|\$eval|_c\.))/,
    description: "client-side template injection (AngularJS sandbox escapes)",
  }),
];
