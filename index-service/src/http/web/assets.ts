/**
 * The Web UI's one stylesheet and one script, served by the Index itself (`/static/…`): no asset comes from
 * the network, and the Content-Security-Policy allows nothing but this origin. Every page works without the
 * script; it only rewrites dates into the reader's local time and adds copy buttons.
 */
export const STYLESHEET = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--brand:#1d3b8b;--brand-ink:#fff;--accent:#0969da;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--focus:#f59e0b;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0;min-width:0}
a{color:var(--accent)}a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:4px}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:8px 12px;z-index:10}.skip:focus{left:8px;top:8px}
header.top{background:var(--brand);color:var(--brand-ink)}
header.top .bar{max-width:1120px;margin:0 auto;padding:10px 16px;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center}
header.top a{color:var(--brand-ink);text-decoration:none}header.top a:hover{text-decoration:underline}
.brand{font-weight:700;font-size:1.25rem;letter-spacing:.01em}.brand small{font-weight:400;opacity:.8;font-size:.8rem;margin-left:6px}
header.top form.search{flex:1 1 220px;display:flex;gap:6px;max-width:460px}
header.top input[type=search]{flex:1;min-width:0;border:0;border-radius:6px;padding:7px 10px;font:inherit}
nav.account{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin-left:auto}
nav.account form{margin:0}
nav.account button{background:transparent;color:var(--brand-ink);border:1px solid rgba(255,255,255,.6)}
header.top form.search button{background:#fff;color:var(--brand);border-color:#fff}
main{max-width:1120px;margin:0 auto;padding:20px 16px 48px}
h1{font-size:1.75rem;line-height:1.25;margin:.2em 0 .4em;word-break:break-word}h2{font-size:1.25rem;margin:1.4em 0 .5em}h3{font-size:1.05rem;margin:1em 0 .4em}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin:0 0 16px}.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}
.note{color:var(--muted);font-size:.9rem;margin:.6em 0 .2em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px;padding:0;margin:0;list-style:none}
.repo-card{display:block;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;color:inherit;text-decoration:none;height:100%}
.repo-card:hover{border-color:var(--accent)}.repo-card .name{font-weight:600;color:var(--accent);word-break:break-word}
.repo-card p{margin:.3em 0 0;color:var(--muted);font-size:.92rem}
.meta{color:var(--muted);font-size:.9rem}.meta>*+*::before{content:"·";margin:0 .45em}
.badge{display:inline-block;font-size:.75rem;border-radius:999px;padding:1px 8px;border:1px solid var(--line);background:#eef2f7;color:var(--ink);vertical-align:middle}
.badge.official{background:#ddf4e4;border-color:#9ad1ac}.badge.private{background:#fff1d6;border-color:#e8c36b}
button,.button{font:inherit;font-size:.95rem;padding:6px 14px;border-radius:6px;border:1px solid var(--brand);background:var(--brand);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--brand)}button.danger{background:var(--bad);border-color:var(--bad)}
input[type=text],input[type=password],input[type=email],textarea,select{font:inherit;padding:7px 10px;border:1px solid var(--line);border-radius:6px;width:100%;max-width:100%;background:#fff}
textarea{min-height:6em}label{display:block;font-weight:600;margin:.8em 0 .25em}
form.stack{max-width:420px}form.stack button{margin-top:1em}
.inline{display:flex;flex-wrap:wrap;gap:8px;align-items:center}.inline input[type=text]{width:auto;flex:1 1 160px}
.notice{border-radius:8px;padding:10px 14px;margin:0 0 16px;border:1px solid}
.notice.error{background:#ffebe9;border-color:#ff8182;color:#82071e}.notice.info{background:#ddf4ff;border-color:#54aeff}
.cmd{display:flex;gap:6px;align-items:stretch;margin:.3em 0}.cmd code{flex:1;min-width:0;overflow-x:auto;white-space:nowrap;background:#0d1117;color:#e6edf3;border-radius:6px;padding:8px 10px;font:14px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;word-break:break-all}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:.85rem;color:var(--muted);font-weight:600}
.scroll{overflow-x:auto}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 320px;gap:20px}.layout+.card{margin-top:24px}
@media (max-width:820px){.layout{grid-template-columns:minmax(0,1fr)}header.top form.search{order:3;flex-basis:100%;max-width:none}}
.desc{white-space:pre-wrap;word-break:break-word}
.empty{color:var(--muted);padding:18px;text-align:center;border:1px dashed var(--line);border-radius:10px;background:#fff}
.pager{display:flex;gap:12px;align-items:center;margin-top:16px}
.star-count{font-weight:600}
footer{color:var(--muted);font-size:.85rem;text-align:center;padding:24px 16px}
details summary{cursor:pointer}
label.bare{margin:0}label.choice{font-weight:400;display:inline}fieldset.plain{border:0;padding:0;margin:.8em 0 0}fieldset.plain legend{font-weight:600}
form.inline-form{display:inline;margin-left:6px}h2.first{margin-top:0}
#live-diagram{overflow-x:auto}#live-log{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;white-space:pre-wrap}
`;

export const SCRIPT = `
(function () {
  'use strict';
  var rtf = typeof Intl !== 'undefined' && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;
  var steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month'], [Infinity, 'year']];
  function relative(date) {
    var value = (date.getTime() - Date.now()) / 1000;
    for (var i = 0; i < steps.length; i++) {
      if (Math.abs(value) < steps[i][0]) return rtf ? rtf.format(Math.round(value), steps[i][1]) : date.toLocaleString();
      value /= steps[i][0];
    }
    return date.toLocaleString();
  }
  function refreshTimes() {
    var times = document.querySelectorAll('time[datetime]');
    for (var i = 0; i < times.length; i++) {
      var t = times[i], d = new Date(t.getAttribute('datetime'));
      if (isNaN(d.getTime())) continue;
      t.title = d.toLocaleString();
      if (t.hasAttribute('data-relative')) t.textContent = relative(d);
      else t.textContent = d.toLocaleString();
    }
  }
  function addCopyButtons() {
    var cmds = document.querySelectorAll('.cmd code');
    for (var i = 0; i < cmds.length; i++) {
      (function (code) {
        if (!navigator.clipboard) return;
        var b = document.createElement('button');
        b.type = 'button'; b.className = 'secondary'; b.textContent = 'Copy';
        b.setAttribute('aria-label', 'Copy command: ' + code.textContent);
        b.addEventListener('click', function () {
          navigator.clipboard.writeText(code.textContent).then(function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); });
        });
        code.parentNode.appendChild(b);
      })(cmds[i]);
    }
  }
  refreshTimes();
  addCopyButtons();
  setInterval(refreshTimes, 30000);
})();
`;
