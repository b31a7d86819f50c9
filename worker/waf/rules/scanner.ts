import { PARAMETERS, pattern, type RequestRule, requestRule, TARGET, type ValueRule } from "../rule.ts";

/**
 * Scanners and exploit tools: their User-Agents, the files they probe for, and the
 * out-of-band callback domains their payloads use. The probe list names only files of other
 * stacks (PHP, WordPress, Spring, dotfiles): a generic word like `/console` could one day be
 * a page of ours, and a WAF that blocks the site's own pages is what we are replacing. Deliberately absent: curl, wget,
 * python-requests, Go-http-client, node and friends (traders script the API with them), and
 * monitoring agents (Prometheus, kube-probe, UptimeRobot, Pingdom, Datadog): the system this
 * replaces blocked its own monitoring.
 */
export const scannerRules: ValueRule[] = [
  pattern({
    id: "scanner-user-agent",
    category: "scanner",
    score: 5,
    targets: TARGET.userAgent,
    // "ZmEu" and "w3af.org" are whole User-Agents and plain tokens.
    tokens: true,
    pattern:
      /\b(?:sqlmap|nikto|nuclei|masscan|zgrab|nmap|dirbuster|gobuster|dirb|wpscan|acunetix|netsparker|invicti|nessus|openvas|w3af|havij|arachni|jaeles|whatweb|wfuzz|ffuf|feroxbuster|commix|joomscan|skipfish|zmeu|morfeus|paros|webinspect|appscan|xsstrike|fimap|dotdotpwn|jorgee|zmap|hydra|metasploit|sqlninja|bsqlbf|pangolin|wapiti|zaproxy|owasp zap|burp ?suite|burpcollaborator|qualys|detectify|interactsh|log4j-scan|struts-pwn|brutus|fuzz faster u fool)\b/,
    description: "a vulnerability scanner or exploit tool User-Agent",
  }),
  pattern({
    id: "scanner-probe-path",
    category: "scanner",
    score: 5,
    targets: TARGET.path,
    chars: "/",
    pattern:
      /\/(?:\.env(?:\.[a-z0-9_-]{1,16})?|\.git|\.svn|\.hg|\.bzr|\.ds_store|\.aws|\.ssh|\.docker|\.vscode|\.idea|\.htaccess|\.htpasswd|\.npmrc|\.bash_history|\.ftpconfig|\.remote-sync\.json|wp-admin|wp-login\.php|wp-content|wp-includes|wp-config\.php|xmlrpc\.php|phpmyadmin|pma|myadmin|adminer(?:\.php)?|phpinfo(?:\.php)?|cgi-bin|actuator|server-status|server-info|jmx-console|_ignition|vendor\/phpunit|boaform|hnap1|manager\/html|docker-compose\.ya?ml|(?:backup|dump|database|db)\.(?:zip|tar|tgz|sql|gz)|(?:shell|cmd|c99|r57|wso|alfa|eval-stdin)\.php)(?:\/|$|;)/,
    description: "a path scanners probe for (/.env, /.git/config, /wp-admin)",
  }),
  pattern({
    id: "scanner-script-extension",
    category: "scanner",
    score: 4,
    targets: TARGET.path,
    chars: ".",
    pattern: /\.(?:php[3-8]?|phtml|asp|aspx|ashx|asmx|axd|jsp|jspx|cgi|pl|cfm|do|action)(?:$|\/|;)/,
    description: "a server-script extension no route of ours has (weak on its own)",
  }),
  pattern({
    id: "scanner-callback-domain",
    category: "scanner",
    score: 5,
    targets: PARAMETERS | TARGET.path | TARGET.header | TARGET.anyHeader,
    tokens: true,
    chars: ".",
    anyOf: ["oast", "burpcollaborator", "interact", "dnslog", "ceye", "bxss", "xss.ht"],
    pattern:
      /\b(?:oast\.(?:fun|me|pro|live|site|online)|oastify\.com|burpcollaborator\.net|interact\.sh|interactsh\.com|dnslog\.cn|ceye\.io|bxss\.me|xss\.ht)\b/,
    description: "an out-of-band callback domain used by exploit payloads",
  }),
];

/** Headers only scanners send. */
const SCANNER_HEADERS = new Set([
  "acunetix-aspect",
  "acunetix-aspect-password",
  "acunetix-aspect-queries",
  "acunetix-product",
  "x-wipp",
  "x-scanner",
  "x-scan-memo",
  "x-request-memo",
  "x-request-manager-memo",
]);

export function isScannerHeader(name: string): boolean {
  return SCANNER_HEADERS.has(name);
}

export const scannerRequestRules: RequestRule[] = [
  requestRule({
    id: "scanner-header",
    category: "scanner",
    score: 5,
    check: (facts) => facts.scannerHeader,
    description: "a header only vulnerability scanners send",
  }),
];
