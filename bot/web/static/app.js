// brandbot dashboard: the only script (CSP forbids inline script). Everything here is optional
// enhancement: every page works without it.
"use strict";

// Refresh a region from a fragment URL every N ms (paused while hidden or while someone types in it).
function startRefresh(region) {
  const url = region.dataset.refresh;
  const every = parseInt(region.dataset.interval || "10000", 10);
  setInterval(async () => {
    if (document.hidden || region.contains(document.activeElement)) {
      return;
    }
    try {
      const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      if (response.status === 401) {
        window.location.reload();
        return;
      }
      if (response.ok) {
        region.innerHTML = await response.text(); // server-rendered, autoescaped HTML
      }
    } catch (err) {
      // the next tick retries; the page keeps what it shows
    }
  }, every);
}

// Live preview of a canned reply with its weighted length and the 280 limit.
function startPreview(select) {
  const text = document.getElementById("preview-text");
  const count = document.getElementById("preview-count");
  const error = document.getElementById("preview-error");
  const submit = document.getElementById("reply-submit");
  select.addEventListener("change", async () => {
    const url = select.dataset.previewUrl + "?template=" + encodeURIComponent(select.value);
    const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
    const body = await response.json();
    text.textContent = body.text || "";
    error.textContent = body.error || "";
    count.textContent = (body.length || 0) + " / " + (body.limit || 280);
    count.classList.toggle("over", Boolean(body.over));
    submit.disabled = Boolean(body.over || body.error || !response.ok);
  });
}

// ---- X's weighted length, as people type ----------------------------------------------------------
// A port of bot/text/weighted.py (weighted_length), bot/text/urls.py (find_urls, strict) and the `emoji`
// package's tokenizer, which weighted.py counts emoji with. The data (ranges, URL patterns, domains,
// emoji sequences) comes from the server's /text/rules, built from the Python code itself; indices are
// code points, as in Python. tests/web/test_web_counter.py holds this to the Python function.

let textRules = null; // the compiled rules, fetched once per page (a promise)

function loadTextRules() {
  if (textRules === null) {
    textRules = fetch("/text/rules", { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) {
          throw new Error("text rules: HTTP " + response.status);
        }
        return response.json();
      })
      .then(compileTextRules);
    textRules.catch(() => {
      textRules = null; // the next counter asks again; meanwhile the server's counts stay
    });
  }
  return textRules;
}

function compileTextRules(raw) {
  const tree = new Map(); // code point -> { next: Map, data: bool }, as emoji.tokenizer's search tree
  for (const sequence of raw.emoji) {
    let level = tree;
    let node = null;
    for (const cp of sequence) {
      node = level.get(cp);
      if (node === undefined) {
        node = { next: new Map(), data: false };
        level.set(cp, node);
      }
      level = node.next;
    }
    node.data = true;
  }
  const space = "[" + Array.from(raw.space, (c) => "\\u{" + c.codePointAt(0).toString(16) + "}").join("") + "]";
  const urls = raw.urls;
  return {
    max: raw.max,
    urlWeight: raw.urlWeight,
    emojiWeight: raw.emojiWeight,
    lightRanges: raw.lightRanges,
    strip: new RegExp("^" + space + "+|" + space + "+$", "gu"),
    emojiTree: tree,
    emojiKeys: new Set(raw.emoji),
    emojiComponents: new Set(raw.emojiComponents),
    candidate: new RegExp(urls.candidate, "giu"),
    asciiDomainSuffix: new RegExp(urls.asciiDomainSuffix, "iu"),
    tail: new RegExp(urls.tail, "iuy"),
    invalidBefore: new Set(urls.invalidBefore),
    invalidBeforeBare: new Set(urls.invalidBeforeBare),
    specialCountryCodes: new Set(urls.specialCountryCodes),
    maxLabel: urls.maxLabel,
    tlds: new Set(urls.tlds),
  };
}

function isAscii(text) {
  return /^[\x00-\x7f]*$/.test(text);
}

// RFC 3492 Punycode, as Python's "punycode" codec (only its length is used: a host label's limit).
function punycode(label) {
  const base = 36;
  const tMin = 1;
  const tMax = 26;
  const cps = Array.from(label, (c) => c.codePointAt(0));
  const digit = (d) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
  const adapt = (delta, points, first) => {
    let d = first ? Math.floor(delta / 700) : Math.floor(delta / 2);
    d += Math.floor(d / points);
    let k = 0;
    while (d > ((base - tMin) * tMax) >> 1) {
      d = Math.floor(d / (base - tMin));
      k += base;
    }
    return k + Math.floor(((base - tMin + 1) * d) / (d + 38));
  };
  const out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c));
  const basic = out.length;
  if (basic > 0) {
    out.push("-");
  }
  let n = 128;
  let delta = 0;
  let bias = 72;
  let handled = basic;
  while (handled < cps.length) {
    const next = Math.min(...cps.filter((c) => c >= n));
    delta += (next - n) * (handled + 1);
    n = next;
    for (const c of cps) {
      if (c < n) {
        delta += 1;
      }
      if (c === n) {
        let q = delta;
        for (let k = base; ; k += base) {
          const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
          if (q < t) {
            break;
          }
          out.push(digit(t + ((q - t) % (base - t))));
          q = Math.floor((q - t) / (base - t));
        }
        out.push(digit(q));
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled += 1;
      }
    }
    delta += 1;
    n += 1;
  }
  return out.join("");
}

function labelOk(label, rules) {
  if (!label) {
    return false;
  }
  if (isAscii(label)) {
    return label.length <= rules.maxLabel;
  }
  return ("xn--" + punycode(label.toLowerCase())).length <= rules.maxLabel;
}

function validHost(labels, rules) {
  for (let n = labels.length; n > 1; n -= 1) {
    if (rules.tlds.has(labels[n - 1].toLowerCase())) {
      return n;
    }
  }
  return 0;
}

// bot.text.urls._check, strict mode: the (start, end) of the URL a candidate match is, or null.
function checkUrl(text, m, rules) {
  const proto = m.groups.proto;
  let host = m.groups.host;
  let start = m.index;
  let labels = host.split(".");
  let n = validHost(labels, rules);
  if (n === 0) {
    return null;
  }
  host = labels.slice(0, n).join(".");
  if (!proto) {
    const suffix = rules.asciiDomainSuffix.exec(host);
    if (suffix === null) {
      return null;
    }
    start += suffix.index;
    host = host.slice(suffix.index);
    labels = host.split(".");
    n = labels.length;
  }
  const hostStart = proto ? m.index + proto.length : start;
  const hostEnd = hostStart + host.length;
  const after = text.slice(hostEnd, hostEnd + 1);
  const before = start > 0 ? text.slice(start - 1, start) : "";
  if (before && (rules.invalidBefore.has(before) || (!proto && rules.invalidBeforeBare.has(before)))) {
    return null;
  }
  if (after && "@+-".includes(after)) {
    return null;
  }
  if (!labels.slice(0, n).every((label) => labelOk(label, rules))) {
    return null;
  }
  rules.tail.lastIndex = hostEnd;
  const tail = rules.tail.exec(text);
  const end = tail ? hostEnd + tail[0].length : hostEnd;
  if (!proto && tail !== null && !tail.groups.path) {
    const tld = labels[n - 1].toLowerCase();
    if (n === 2 && Array.from(tld).length === 2 && isAscii(tld) && !rules.specialCountryCodes.has(tld)) {
      return null;
    }
  }
  return [start, end];
}

// bot.text.urls.find_urls (strict): URL spans in UTF-16 indices.
function findUrls(text, rules) {
  const spans = [];
  const candidate = rules.candidate;
  let pos = 0;
  for (;;) {
    candidate.lastIndex = pos;
    const m = candidate.exec(text);
    if (m === null) {
      return spans;
    }
    pos = m.index + m[0].length;
    const span = checkUrl(text, m, rules);
    if (span !== null) {
      spans.push(span);
      pos = span[1];
    }
  }
}

// emoji.tokenizer.tokenize(keep_zwj=False), its emoji matches only: start code point -> end.
function emojiSpans(cps, rules) {
  const ZWJ = "\u200d";
  const tree = rules.emojiTree;
  const spans = new Map();
  const ignore = new Set();
  let result = []; // tokens not yet final: { chars, start, end, emoji }
  const flush = () => {
    for (const token of result) {
      if (token.emoji) {
        spans.set(token.start, token.end);
      }
    }
    result = [];
  };
  let i = 0;
  while (i < cps.length) {
    let consumed = false;
    const char = cps[i];
    if (ignore.has(i)) {
      i += 1;
      continue;
    } else if (tree.has(char)) {
      let j = i + 1;
      let node = tree.get(char);
      while (j < cps.length && node.next.has(cps[j])) {
        if (ignore.has(j)) {
          break;
        }
        node = node.next.get(cps[j]);
        j += 1;
      }
      if (node.data) {
        result.push({ chars: cps.slice(i, j).join(""), start: i, end: j, emoji: true });
        i = j - 1;
        consumed = true;
      }
    } else if (char === ZWJ && result.length > 0 && rules.emojiKeys.has(result[result.length - 1].chars)
               && i > 0 && tree.has(cps[i - 1])) {
      ignore.add(i);
      const last = result[result.length - 1];
      if (rules.emojiComponents.has(last.chars)) {
        i -= result.slice(-2).reduce((sum, token) => sum + token.end - token.start, 0);
        if (cps[i] === ZWJ) {
          i += 1;
          result.pop();
        } else {
          result.splice(-2);
        }
      } else {
        i -= last.end - last.start;
        result.pop();
      }
      continue;
    } else if (result.length > 0) {
      flush();
    }
    if (!consumed && char !== "\ufe0e" && char !== "\ufe0f") {
      result.push({ chars: char, start: i, end: i + 1, emoji: false });
    }
    i += 1;
  }
  flush();
  return spans;
}

function charWeight(cp, rules) {
  return rules.lightRanges.some(([low, high]) => low <= cp && cp <= high) ? 1 : 2;
}

// bot.text.weighted.weighted_length.
function weightedLength(text, rules) {
  const normal = text.normalize("NFC");
  const cps = Array.from(normal);
  const codePointAt = new Map(); // UTF-16 index -> code point index
  let unit = 0;
  cps.forEach((c, k) => {
    codePointAt.set(unit, k);
    unit += c.length;
  });
  codePointAt.set(unit, cps.length);
  const urlEnds = new Map(findUrls(normal, rules).map(([s, e]) => [codePointAt.get(s), codePointAt.get(e)]));
  const emojiEnds = emojiSpans(cps, rules);
  let total = 0;
  let i = 0;
  while (i < cps.length) {
    if (urlEnds.has(i)) {
      total += rules.urlWeight;
      i = urlEnds.get(i);
    } else if (emojiEnds.has(i)) {
      total += rules.emojiWeight;
      i = emojiEnds.get(i);
    } else {
      total += charWeight(cps[i].codePointAt(0), rules);
      i += 1;
    }
  }
  return total;
}

// "N / 280" under a text that becomes a post, counted as the server will (stripped); red over the limit
// unless the form's "split into a thread" box (data-thread-box) is ticked. The server still checks.
function startCounter(counter) {
  const field = document.getElementById(counter.dataset.countFor);
  const threadBox = counter.dataset.threadBox ? document.getElementById(counter.dataset.threadBox) : null;
  if (field === null) {
    return;
  }
  loadTextRules().then((rules) => {
    const update = () => {
      const length = weightedLength(field.value.replace(rules.strip, ""), rules);
      counter.textContent = length + " / " + rules.max;
      counter.classList.toggle("over", length > rules.max && !(threadBox && threadBox.checked));
    };
    update(); // the browser may have restored a text other than the one the server counted
    field.addEventListener("input", update);
    if (threadBox) {
      threadBox.addEventListener("change", update);
    }
  }, () => {
    // no rules: the count the server rendered stays, and the server checks on submit
  });
}

// Ask before a one-click action that cannot be undone from here (the question is the form's data-confirm).
function confirmBeforeSubmit(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach(startRefresh);
  document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  document.querySelectorAll(".counter[data-count-for]").forEach(startCounter);
  const select = document.getElementById("reply-template");
  if (select) {
    startPreview(select);
  }
});
