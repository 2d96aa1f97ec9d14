// keytier playground: reads the URL fragment, the form and the sample
// gallery, asks the WASM bridge (globalThis.keytier) for the report
// `keytier inspect --json` would print, and renders the verdict card.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("form");
  const text = $("text");
  const rpId = $("rp-id");
  const origin = $("origin");
  const challenge = $("challenge");
  const analyzeButton = $("analyze");
  const share = $("share");
  const formError = $("form-error");
  const gallery = $("gallery");
  const card = $("verdict");

  let samples = [];
  let plain = false; // which explanation the rule trace shows
  let lastReport = null;
  let run = 0; // guards against an older analysis finishing after a newer one

  // el builds an element with text content and attributes; no HTML strings,
  // so nothing from the input can become markup.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  // base64url (no padding) of the UTF-8 text, and back.
  function encodeText(s) {
    const bytes = new TextEncoder().encode(s);
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decodeText(b64) {
    const std = b64.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(std + "===".slice((std.length + 3) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  }

  function showFormError(msg) {
    formError.textContent = msg || "";
    formError.hidden = !msg;
  }

  function setStatus(message, state) {
    card.replaceChildren(el("p", { class: "status" }, message));
    card.dataset.state = state;
    for (const a of ["ok", "aal", "passkeyType", "errorCode"]) delete card.dataset[a];
  }

  // analyze runs the bridge on what the form holds now. settings may add
  // what the form cannot express (a sample's cross-origin settings).
  async function analyze(source, extra) {
    const mine = ++run;
    showFormError("");
    const settings = Object.assign({
      rpId: rpId.value.trim(),
      origin: origin.value.trim(),
      challenge: challenge.value.trim(),
    }, extra || {});
    card.dataset.state = "working";
    let report;
    try {
      report = await globalThis.keytier.analyze(text.value, settings);
    } catch (err) {
      if (mine !== run) return;
      showFormError(err.message);
      setStatus("Fix the settings above, then analyze again.", "invalid");
      card.dataset.source = source;
      return;
    }
    if (mine !== run) return;
    lastReport = report;
    render(report, source);
  }

  function flagItems(flags) {
    const f = flags || {};
    return [
      ["UP", f.up, "User present: someone touched or confirmed on the authenticator.",
        "User not present: the authenticator did not check for a person."],
      ["UV", f.uv, "User verified: the authenticator checked a PIN, fingerprint or face.",
        "User not verified: no PIN, fingerprint or face was checked."],
      ["BE", f.be, "Backup eligible: this passkey may be copied to the user's other devices (a synced, multi-device passkey).",
        "Not backup eligible: the key cannot leave this one authenticator (device-bound)."],
      ["BS", f.bs, "Backed up: the passkey is already synced or backed up outside the authenticator.",
        "Not backed up: right now the key exists only on the authenticator."],
    ].map(([name, set, yes, no]) =>
      el("li", { "data-flag": name.toLowerCase(), "data-set": set ? "true" : "false" },
        el("strong", {}, `${name}=${set ? 1 : 0}`), " ", set ? yes : no));
  }

  function traceList(steps) {
    return el("ol", { class: "trace", "data-testid": "trace" }, ...steps.map((s) =>
      el("li", { "data-rule": s.rule, "data-outcome": s.outcome },
        el("span", { class: "rule" }, s.rule),
        el("span", { class: `outcome ${s.outcome}` }, s.outcome),
        el("span", { class: "explanation", "data-testid": "explanation" }, " ", plain ? s.plain : s.admin),
        el("span", { class: "citation" }, s.citation),
        el("span", { class: "saw" }, `Saw: ${s.saw}`))));
  }

  function render(report, source) {
    const c = report.credential;
    const a = report.assurance;
    card.dataset.ok = report.ok ? "true" : "false";
    card.dataset.aal = a ? a.aal : "none";
    if (c && c.passkeyType) card.dataset.passkeyType = c.passkeyType;
    else delete card.dataset.passkeyType;
    if (!report.ok && report.error) card.dataset.errorCode = report.error.code;
    else delete card.dataset.errorCode;
    card.dataset.source = source;

    const parts = [];
    parts.push(el("p", { class: "headline" },
      el("span", { class: `badge ${report.ok ? "ok" : "bad"}`, "data-testid": "ok" }, report.ok ? "Verified" : "Failed"),
      el("span", { class: "badge aal", "data-testid": "aal" }, a ? a.aal : "No assurance level"),
      c && c.passkeyType ? el("span", { class: "badge type", "data-testid": "passkey-type" },
        c.passkeyType === "synced" ? "Synced passkey" : "Device-bound passkey") : null,
      a ? el("span", {}, a.phishingResistant ? "Phishing-resistant" : "Not phishing-resistant") : null));

    if (report.error) {
      parts.push(el("p", { class: "error", "data-testid": "error" },
        el("code", {}, report.error.code), " ", report.error.message));
    }

    if (c) {
      const att = c.attestation || {};
      const verified = c.verification ? (att.signatureVerified ? "yes" : "no") : "not checked (give RP ID, origin and challenge)";
      parts.push(el("dl", { class: "facts" },
        el("dt", {}, "Authenticator"), el("dd", { "data-testid": "authenticator" },
          c.authenticator || "unknown", c.authenticatorKind ? ` (${c.authenticatorKind})` : ""),
        el("dt", {}, "AAGUID"), el("dd", {}, el("code", {}, c.aaguid)),
        el("dt", {}, "Format"), el("dd", { "data-testid": "format" }, c.format),
        el("dt", {}, "Key"), el("dd", {}, c.publicKeyAlgorithmName || String(c.publicKeyAlgorithm)),
        el("dt", {}, "Attestation type"), el("dd", { "data-testid": "attestation-type" }, att.type || "none"),
        el("dt", {}, "Signature verified"), el("dd", { "data-testid": "attestation-verified" }, verified),
        el("dt", {}, "Trusted"), el("dd", { "data-testid": "attestation-trusted" },
          att.trusted ? `yes (by ${att.trustedBy})` : "no: the attestation does not chain to a trust anchor keytier was given")));
      parts.push(el("h3", {}, "Flags"), el("ul", { class: "flags", "data-testid": "flags" }, ...flagItems(c.flags)));
      if (c.backup && c.backup.explanation && c.backup.explanation.length) {
        parts.push(el("h3", {}, "Synced or device-bound?"),
          el("ul", { class: "notes" }, ...c.backup.explanation.map((s) => el("li", {}, s))));
      }
      if (att.notes && att.notes.length) {
        parts.push(el("h3", {}, "Attestation"), el("ul", { class: "notes" }, ...att.notes.map((s) => el("li", {}, s))));
      }
      if (c.warnings && c.warnings.length) {
        parts.push(el("h3", {}, "Warnings"), el("ul", { class: "notes" }, ...c.warnings.map((s) => el("li", {}, s))));
      }
    }

    if (a && a.reasons && a.reasons.length) {
      const toggle = el("button", {
        type: "button", class: "secondary", "data-testid": "explain-toggle", "aria-pressed": plain ? "true" : "false",
      }, plain ? "Explain for admins" : "Explain in plain language");
      toggle.addEventListener("click", () => {
        plain = !plain;
        render(lastReport, card.dataset.source);
      });
      parts.push(el("div", { class: "trace-head" }, el("h3", {}, "Why this level"), toggle), traceList(a.reasons));
    }

    card.replaceChildren(...parts);
    card.dataset.state = "done";
  }

  function fill(t, s) {
    text.value = t;
    rpId.value = (s && s.rpId) || "";
    origin.value = (s && s.origin) || "";
    challenge.value = (s && s.challenge) || "";
  }

  // loadFragment applies #sample=NAME or #input=B64URL[&rp-id=&origin=&challenge=].
  function loadFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (params.has("sample")) {
      const name = params.get("sample");
      const s = samples.find((x) => x.name === name);
      if (!s) {
        setStatus(`There is no sample named "${name}".`, "invalid");
        return;
      }
      fill(s.registration, s);
      share.href = `#sample=${encodeURIComponent(s.name)}`;
      share.hidden = false;
      analyze(`sample:${s.name}`, { crossOrigin: !!s.crossOrigin, topOrigins: s.topOrigins || [] });
      return;
    }
    if (params.has("input")) {
      let t;
      try {
        t = decodeText(params.get("input"));
      } catch (err) {
        setStatus("The link's input is not base64url.", "invalid");
        return;
      }
      fill(t, { rpId: params.get("rp-id"), origin: params.get("origin"), challenge: params.get("challenge") });
      share.href = location.hash;
      share.hidden = false;
      analyze("input");
    }
  }

  // The link for what the form holds, as a paste would be loaded.
  function inputFragment() {
    const p = [`input=${encodeText(text.value)}`];
    for (const [name, field] of [["rp-id", rpId], ["origin", origin], ["challenge", challenge]]) {
      const v = field.value.trim();
      if (v) p.push(`${name}=${encodeURIComponent(v)}`);
    }
    return "#" + p.join("&");
  }

  function renderGallery() {
    gallery.replaceChildren(...samples.map((s) => {
      const b = el("button", { type: "button", "data-sample": s.name, title: s.notes || s.source },
        el("span", { class: "name" }, s.name),
        el("span", { class: "meta" }, `${s.format} · ${s.authenticator}`));
      b.addEventListener("click", () => {
        const h = `#sample=${encodeURIComponent(s.name)}`;
        if (location.hash === h) loadFragment();
        else location.hash = h; // hashchange loads it
      });
      return el("li", {}, b);
    }));
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const h = inputFragment();
    // Record the link without a hashchange: the analysis runs right here.
    history.replaceState(null, "", h);
    share.href = h;
    share.hidden = false;
    analyze("input");
  });
  window.addEventListener("hashchange", loadFragment);

  async function start() {
    if (!globalThis.Go || !WebAssembly.instantiateStreaming) {
      setStatus("This browser cannot run the playground (WebAssembly is missing).", "error");
      return;
    }
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch("keytier.wasm"), go.importObject);
    go.run(instance).then(() => setStatus("keytier stopped; reload the page.", "error"));
    // The Go program sets globalThis.keytier before it first waits.
    if (!globalThis.keytier) throw new Error("keytier did not start");
    samples = await globalThis.keytier.samples();
    renderGallery();
    analyzeButton.disabled = false;
    setStatus("Paste a registration or pick a sample.", "ready");
    loadFragment();
  }

  start().catch((err) => setStatus(`keytier could not start: ${err.message}`, "error"));
})();
