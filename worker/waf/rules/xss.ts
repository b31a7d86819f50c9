import { PARAMETERS, pattern, TARGET, type ValueRule, wordAlternation } from "../rule.ts";

/**
 * Cross-site scripting. People write "<3", "a < b", "x<y" and "I <b>love</b> it"; what only an
 * attack writes is a tag that runs script, an event-handler attribute, a script URL or a DOM
 * sink. The path is included: a 404 page may echo it.
 */
const targets = PARAMETERS | TARGET.header | TARGET.path;

/**
 * Every event-handler attribute a browser has fired, without the `on`: the HTML standard's
 * (global, window, document and element handlers), pointer, touch, animation, transition and
 * media events, SVG/SMIL, and the vendor and legacy ones (IE, Gecko, WebKit) that payload
 * collections use because filters forget them. Listed, not `on[a-z]+`, so "online=" and
 * "once=" in prose are not handlers.
 */
export const EVENT_HANDLER_NAMES: readonly string[] = [
  // HTML: GlobalEventHandlers, WindowEventHandlers, DocumentAndElementEventHandlers.
  ...["abort", "auxclick", "beforeinput", "beforematch", "beforetoggle", "blur", "cancel"],
  ...["canplay", "canplaythrough", "change", "click", "close", "command"],
  ...["contentvisibilityautostatechange", "contextlost", "contextmenu", "contextrestored", "copy"],
  ...["cuechange", "cut", "dblclick", "drag", "dragend", "dragenter", "dragexit", "dragleave"],
  ...["dragover", "dragstart", "drop", "durationchange", "emptied", "ended", "error", "focus"],
  ...["formdata", "input", "invalid", "keydown", "keypress", "keyup", "load", "loadeddata"],
  ...["loadedmetadata", "loadend", "loadstart", "mousedown", "mouseenter", "mouseleave"],
  ...["mousemove", "mouseout", "mouseover", "mouseup", "mousewheel", "paste", "pause", "play"],
  ...["playing", "progress", "ratechange", "reset", "resize", "scroll", "scrollend"],
  ...["scrollsnapchange", "scrollsnapchanging", "securitypolicyviolation", "seeked", "seeking"],
  ...["select", "selectionchange", "selectstart", "show", "slotchange", "stalled", "submit"],
  ...["suspend", "timeupdate", "toggle", "volumechange", "waiting", "waitingforkey", "wheel"],
  ...["afterprint", "beforeprint", "beforeunload", "hashchange", "languagechange", "message"],
  ...["messageerror", "offline", "online", "pagehide", "pagereveal", "pageshow", "pageswap"],
  ...["popstate", "rejectionhandled", "storage", "unhandledrejection", "unload"],
  ...["readystatechange", "visibilitychange", "fullscreenchange", "fullscreenerror"],
  ...["pointerlockchange", "pointerlockerror", "freeze", "resume", "search", "encrypted"],
  ...["enterpictureinpicture", "leavepictureinpicture", "beforexrselect", "orientationchange"],
  ...["devicemotion", "deviceorientation", "deviceorientationabsolute", "appinstalled"],
  ...["beforeinstallprompt", "gamepadconnected", "gamepaddisconnected", "overflow", "underflow"],
  // Pointer, touch, focus, animation and transition events.
  ...["pointerdown", "pointerup", "pointermove", "pointerover", "pointerout", "pointerenter"],
  ...["pointerleave", "pointercancel", "pointerrawupdate", "gotpointercapture"],
  ...["lostpointercapture", "touchstart", "touchend", "touchmove", "touchcancel", "focusin"],
  ...["focusout", "animationstart", "animationend", "animationiteration", "animationcancel"],
  ...["transitionrun", "transitionstart", "transitionend", "transitioncancel"],
  // SVG and SMIL.
  ...["begin", "end", "repeat", "activate", "zoom", "svgload", "svgunload", "svgabort"],
  ...["svgerror", "svgresize", "svgscroll", "svgzoom"],
  // Legacy Internet Explorer, marquee, HTML+TIME.
  ...["afterupdate", "beforeactivate", "beforecopy", "beforecut", "beforedeactivate"],
  ...["beforeeditfocus", "beforepaste", "beforeupdate", "cellchange", "controlselect"],
  ...["dataavailable", "datasetchanged", "datasetcomplete", "deactivate", "errorupdate"],
  ...["filterchange", "help", "layoutcomplete", "losecapture", "move", "moveend", "movestart"],
  ...["propertychange", "resizeend", "resizestart", "rowenter", "rowexit", "rowsdelete"],
  ...["rowsinserted", "rowdelete", "rowinserted", "rowsenter", "stop", "bounce", "finish"],
  ...["start", "dragdrop", "mediacomplete", "mediaerror", "outofsync", "redo", "undo"],
  ...["reverse", "seek", "syncrestored", "timeerror", "trackchange", "urlflip", "formchange"],
  ...["forminput", "page", "unhandledrejection"],
  // Gecko and WebKit.
  ...["afterscriptexecute", "beforescriptexecute", "mozfullscreenchange", "mozfullscreenerror"],
  ...["mozpointerlockchange", "mozpointerlockerror", "webkitanimationend"],
  ...["webkitanimationiteration", "webkitanimationstart", "webkittransitionend"],
  ...["webkitfullscreenchange", "webkitfullscreenerror", "webkitmouseforcechanged"],
  ...["webkitmouseforcedown", "webkitmouseforceup", "webkitmouseforcewillbegin"],
  ...["webkitplaybacktargetavailabilitychanged", "webkitpresentationmodechanged"],
  ...["webkitcurrentplaybacktargetiswirelesschanged", "webkitbeginfullscreen"],
  ...["webkitendfullscreen", "webkitneedkey", "webkitkeyadded", "webkitkeyerror"],
  ...["webkitkeymessage", "webkitwillrevealbottom", "webkitwillrevealleft"],
  ...["webkitwillrevealright", "webkitwillrevealtop", "overflowchanged"],
];

const EVENT_NAME = wordAlternation(new Set(EVENT_HANDLER_NAMES));
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
    // A namespace prefix (`<x:script xmlns:x="http://www.w3.org/1999/xhtml">`) still runs in XHTML.
    pattern: /<\/?(?:[a-z][a-z0-9_.-]{0,32}:)?script\b/,
    description: "a script tag, namespaced or not",
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
    id: "xss-tag-any-handler",
    category: "xss",
    score: 5,
    targets,
    chars: "<",
    alsoChars: "=",
    anyOf: ["on"],
    // `<x onxxx=1`: the probe for a filter that lists handlers. Inside a tag (a letter right
    // after `<`), an `on...=` attribute of any name is markup, not prose ("online=" in a
    // sentence has no tag before it). A JSX prop (`<Chart onHover={fn}>` in a pasted snippet)
    // takes a `{`: an unknown handler never runs, so that is left to the listed-handler rule.
    pattern: /<[a-z][a-z0-9:_-]{0,32}(?:[\s/][^<>]{0,256})?[\s/"'`]on[a-z]{2,40} ?=(?! ?\{)/,
    description: "a tag carrying an on...= attribute of any name (unknown-handler probes)",
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
      /\bdocument ?\??\. ?(?:cookie|domain|write|location)\b|\bwindow ?\??\. ?(?:location|name|open)\b|\.(?:inner|outer)html\b|\bfromcharcode\b|\blocation ?\??\. ?(?:href|hash|search|replace|assign)\b|\bconstructor ?\??\. ?constructor\b|\b(?:top|self|parent|window|globalthis|frames)\??\.?\[ ?['"`/]/,
    description: "a DOM sink or script-construction gadget",
  }),
  pattern({
    id: "xss-script-call",
    category: "xss",
    score: 3,
    targets,
    chars: "(`",
    // Starts at the "(" or backtick and looks back for the name (one scan for one character).
    // `alert?.(1)` and `alert.call(null,1)` call it too.
    pattern:
      /[(`](?<=\b(?:alert|prompt|confirm|eval|settimeout|setinterval|atob|import|print) ?(?:\?\. ?|\. ?(?:call|apply|bind) ?)?[(`])/,
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
    id: "xss-concatenated-code",
    category: "xss",
    score: 5,
    targets,
    chars: "+",
    alsoChars: "([",
    // eval('al'+'ert(1)'), Function('ale'+'rt(1)')(), window['al'+'ert'](1),
    // top[/al/.source+/ert/.source](1): code assembled from pieces so no filter sees its name.
    pattern:
      /\b(?:eval|function|settimeout|setinterval|execscript) ?(?:\?\. ?)?\( ?['"`][^'"`]{0,64}['"`] ?\+|\[ ?['"`][a-z0-9_$]{0,24}['"`] ?\+ ?['"`][a-z0-9_$]{0,24}['"`] ?(?:\+ ?['"`][a-z0-9_$]{0,24}['"`] ?){0,4}\] ?(?:\?\. ?)?[(`]|\[ ?\/[a-z0-9_$]{1,24}\/ ?\. ?source ?\+/,
    description: "code assembled from concatenated strings and called (eval('al'+'ert(1)'))",
  }),
  pattern({
    id: "xss-call-obfuscated",
    category: "xss",
    score: 5,
    targets,
    chars: "(",
    anyOf: ["alert", "prompt", "confirm", "eval"],
    // (alert)(1), alert?.(document.cookie), [1].find(alert), eval(atob(...)): ways to call the
    // probe functions that only a payload writes.
    pattern:
      /\( ?(?:alert|prompt|confirm|eval) ?\) ?[(`]|\b(?:alert|prompt|confirm) ?\?\. ?\(|\.(?:find|map|filter|some|every|foreach|then|call|apply) ?\( ?(?:alert|prompt|confirm|eval) ?\)|\beval ?\( ?(?:atob|unescape|decodeuricomponent|string\.fromcharcode) ?\(/,
    description: "the probe functions called in ways only payloads write",
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
