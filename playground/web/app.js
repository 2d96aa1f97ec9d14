// keytier playground: reads the URL fragment, the form and the sample
// gallery, asks the WASM bridge (globalThis.keytier) what the input is and
// what keytier makes of it (for a credential, the report `keytier inspect
// --json` would print), and renders the verdict card, the what-if panel,
// the side-by-side comparison and a credential's timeline of sign-ins.
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
  const createButton = $("create-passkey");
  const mdsForm = $("mds-form");
  const mdsFile = $("mds-file");
  const mdsRoot = $("mds-root");
  const mdsLoad = $("mds-load");
  const mdsClear = $("mds-clear");
  const mdsStatus = $("mds-status");
  const whatifPanel = $("whatif-panel");
  const whatifForm = $("whatif-form");
  const whatifUserRow = $("whatif-user-row");
  const whatifUser = $("whatif-user");
  const whatifGroups = $("whatif-groups");
  const whatifRoles = $("whatif-roles");
  const whatifCredential = $("whatif-credential");
  const whatifCard = $("whatif");
  const compareForm = $("compare-form");
  const compareLeft = $("compare-left-select");
  const compareRight = $("compare-right-select");
  const compareRun = $("compare-run");
  const compareBox = $("compare");
  const storiesList = $("stories");
  const signinButton = $("signin");
  const signinShare = $("signin-share");
  const signinCard = $("signin-verdict");
  const timelineTable = $("timeline");
  const timelineRows = $("timeline-rows");
  const timelineAbout = $("timeline-about");
  const recordJSON = $("record-json");
  const recordImport = $("record-import");
  const recordError = $("record-error");
  const planPanel = $("plan-panel");
  const planForm = $("plan-form");
  const planStart = $("plan-start");
  const planWaveDays = $("plan-wave-days");
  const planError = $("plan-error");
  const planBox = $("plan");

  let samples = [];
  let roles = [];
  let plain = false; // which explanation the rule trace shows
  let lastReport = null;
  let lastPeers = null; // what go-webauthn and SimpleWebAuthn decide about lastReport's input
  let lastCredential = null; // {text, settings} of the last credential analyzed
  let run = 0; // guards against an older analysis finishing after a newer one
  let stories = [];
  let timeline = null; // the bridge's TimelineView of the credential followed now
  let webauthnReady = false; // a secure context with WebAuthn

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
    for (const a of ["ok", "aal", "passkeyType", "errorCode", "kind"]) delete card.dataset[a];
  }

  function b64url(bytes) {
    let bin = "";
    for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
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
    const input = text.value;
    let result;
    // The time the bridge takes, measured in the page as a user feels it.
    const t0 = performance.now();
    try {
      result = await globalThis.keytier.analyze(input, settings);
    } catch (err) {
      if (mine !== run) return;
      showFormError(err.message);
      setStatus("Fix the settings above, then analyze again.", "invalid");
      card.dataset.source = source;
      return;
    }
    const elapsed = performance.now() - t0;
    if (mine !== run) return;
    renderResult(result, source);
    card.dataset.elapsedMs = elapsed.toFixed(1);
    card.dataset.renderedAtMs = performance.now().toFixed(1);
    if (result.kind === "credential") {
      lastCredential = { text: input, settings };
      refreshCredentialChoices();
    }
    if (result.whatIf) setupWhatIf(result);
    if (result.kind === "snapshot" && result.snapshot) await loadPlan(source);
    else hidePlan();
  }

  // renderResult shows whatever the input was.
  function renderResult(result, source) {
    card.dataset.kind = result.kind;
    card.dataset.source = source;
    switch (result.kind) {
      case "credential":
        lastReport = result.report;
        lastPeers = result.peers || null;
        render(result.report, source);
        break;
      case "fido2Policy":
        renderDocument(result, source, "FIDO2 (passkey) policy", result.policy && result.policy.valid,
          () => renderPolicy(result.policy));
        break;
      case "tapPolicy":
        renderDocument(result, source, "Temporary Access Pass policy", result.tap && result.tap.valid,
          () => renderTAP(result.tap));
        break;
      case "snapshot":
        renderDocument(result, source, "Tenant snapshot", !!result.snapshot,
          () => renderSnapshot(result.snapshot));
        break;
      default:
        renderDocument(result, source, "Not something keytier reads", false, () => []);
    }
    for (const n of result.notes || []) card.append(el("p", { class: "note" }, n));
  }

  // renderDocument fills the card for a policy or snapshot: a headline, the
  // error with where it is, and the body.
  function renderDocument(result, source, title, ok, body) {
    for (const a of ["aal", "passkeyType"]) delete card.dataset[a];
    card.dataset.ok = ok ? "true" : "false";
    if (result.error) card.dataset.errorCode = result.error.code;
    else delete card.dataset.errorCode;
    const parts = [el("p", { class: "headline" },
      el("span", { class: `badge ${ok ? "ok" : "bad"}`, "data-testid": "ok" }, ok ? "Read" : "Not readable"),
      el("span", { class: "badge type", "data-testid": "kind" }, title))];
    if (result.error) {
      parts.push(el("p", { class: "error", "data-testid": "error" },
        el("code", {}, result.error.code), " ",
        result.error.where ? el("span", { "data-testid": "error-where" }, `at ${result.error.where}: `) : null,
        result.error.message));
    }
    card.replaceChildren(...parts, ...(ok || result.policy ? body() : []));
    card.dataset.state = "done";
  }

  function problemList(title, items, cls) {
    if (!items || !items.length) return [];
    return [el("h3", {}, title), el("ul", { class: `notes ${cls}` },
      ...items.map((p) => el("li", {}, el("code", {}, p.path || "(document)"), " ", p.reason)))];
  }

  function renderPolicy(p) {
    const out = [];
    out.push(...problemList("Errors", p.errors, "problems"));
    if (!p.valid) return out;
    const self = p.isSelfServiceRegistrationAllowed === undefined ? "not set" : (p.isSelfServiceRegistrationAllowed ? "allowed" : "not allowed");
    out.push(el("dl", { class: "facts" },
      el("dt", {}, "State"), el("dd", { "data-testid": "policy-state" }, p.state || "not set"),
      el("dt", {}, "Self-service registration"), el("dd", {}, self),
      el("dt", {}, "Profiles"), el("dd", {}, p.legacy ? "none: the legacy settings act as one profile" : String(p.profiles.length))));
    out.push(...problemList("Warnings", p.warnings, "warnings"));
    out.push(el("h3", {}, "Passkey profiles and the tier each guarantees"));
    out.push(el("ul", { class: "profiles", "data-testid": "profiles" }, ...p.profiles.map((pr) =>
      el("li", { "data-profile": pr.id, "data-lowest": pr.lowest, "data-highest": pr.highest },
        el("strong", {}, pr.name || pr.id), pr.default ? " (default profile)" : "",
        el("span", { class: "badge aal tier" }, `${pr.lowest} to ${pr.highest}`),
        el("dl", { class: "facts" },
          el("dt", {}, "Passkey types"), el("dd", {}, pr.passkeyTypesText),
          el("dt", {}, "Attestation"), el("dd", {}, pr.attestationText),
          el("dt", {}, "Key restrictions"), el("dd", {}, pr.keyRestrictions,
            pr.aaGuids.length ? el("ul", { class: "notes" }, ...pr.aaGuids.map((a) =>
              el("li", {}, el("code", {}, a.id), " ", a.name || "not in keytier's catalog"))) : null),
          el("dt", {}, "Assigned by"), el("dd", {}, pr.assignedBy.length ? pr.assignedBy.join(", ") : "no include target: no user gets it")),
        el("ul", { class: "notes why" }, ...pr.why.map((w) => el("li", {}, w)))))));
    out.push(el("h3", {}, "Who is in scope"));
    const scope = [];
    if (!p.includeTargets.length) scope.push(el("li", {}, "No include target: no one can use passkeys."));
    for (const t of p.includeTargets) {
      let to = t.profiles && t.profiles.length ? t.profiles.map((n) => n.name || n.id).join("; ") : "no existing profile";
      if (t.excludedBy && t.excludedBy.length) to = "nothing: also excluded by " + t.excludedBy.join(", ");
      else if (t.byDefault) to += " (the default profile: the target assigns none)";
      scope.push(el("li", { "data-target": t.path }, el("code", {}, t.path), ` ${t.description} → ${to}`,
        t.isRegistrationRequired ? " · registration required" : ""));
    }
    for (const t of p.excludeTargets) {
      scope.push(el("li", { "data-target": t.path }, el("code", {}, t.path), ` ${t.description} → excluded: no passkeys at all, whatever includes them`));
    }
    if (!p.excludeTargets.length) scope.push(el("li", {}, "Excluded: no one."));
    out.push(el("ul", { class: "notes", "data-testid": "scope" }, ...scope));
    out.push(...findingList(p.findings, "Readiness findings about the policy's own settings"));
    return out;
  }

  function renderTAP(t) {
    if (!t.valid) return [];
    return [
      el("dl", { class: "facts", "data-testid": "tap-settings" }, ...t.settings.flatMap((st) => [
        el("dt", {}, st.name), el("dd", {}, el("strong", {}, st.value), " ", st.meaning)])),
      el("p", { "data-testid": "tap-entropy", "data-bits": t.entropyBits.toFixed(1) },
        `A ${t.defaultLength}-character pass carries about ${t.entropyBits.toFixed(1)} bits.`),
      el("h3", {}, "Who is in scope"),
      el("ul", { class: "notes" },
        ...t.includeTargets.map((x) => el("li", {}, el("code", {}, x.path), ` ${x.description}`)),
        ...t.excludeTargets.map((x) => el("li", {}, el("code", {}, x.path), ` ${x.description} (excluded)`))),
      ...findingList(t.findings, "Readiness findings about the policy's own settings"),
    ];
  }

  function renderSnapshot(s) {
    const pct = (s.summary.passwordlessCoverage * 100).toFixed(1);
    const a = s.summary.byAAL;
    const out = [el("dl", { class: "facts", "data-testid": "tenant" },
      el("dt", {}, "Tenant"), el("dd", { "data-testid": "tenant-name" }, s.tenantName || s.tenantId),
      el("dt", {}, "Captured"), el("dd", {}, s.capturedAt),
      el("dt", {}, "Users"), el("dd", { "data-testid": "tenant-users" }, String(s.users)),
      el("dt", {}, "Groups · role assignments"), el("dd", {}, `${s.groups} · ${s.roleAssignments}`),
      el("dt", {}, "Best level per user"), el("dd", {}, `AAL3 ${a.AAL3} · AAL2 ${a.AAL2} · AAL1 ${a.AAL1} · none ${a.none}`),
      el("dt", {}, "Passwordless, phishing-resistant"), el("dd", {}, `${pct}% of users`),
      el("dt", {}, "Without a phishing-resistant method"), el("dd", {}, String(s.summary.noPhishingResistantMethod)))];
    out.push(...findingList(s.findings, "Readiness findings"));
    if (s.policy) {
      out.push(el("details", { class: "sub" }, el("summary", {}, "The tenant's FIDO2 (passkey) policy"), ...renderPolicy(s.policy)));
    }
    if (s.tap) {
      out.push(el("details", { class: "sub" }, el("summary", {}, "The tenant's Temporary Access Pass policy"), ...renderTAP(s.tap)));
    }
    return out;
  }

  // findingList lists a report's findings in its order. Each fix shows
  // its place in that order (data-order), the earlier fixes it builds on
  // and must be sent after (data-after, readiness's remediation.after),
  // what must be done for a user first, and which calls take a value from
  // an earlier call's response (bind).
  function findingList(findings, title) {
    if (!findings) return [];
    if (!findings.length) return [el("h3", {}, title), el("p", { "data-testid": "findings", "data-count": "0" }, "None.")];
    const list = el("ol", { class: "findings", "data-testid": "findings", "data-count": String(findings.length) });
    list.append(...findings.map((f) => el("li", {
      id: `finding-${f.id}`, "data-finding": f.id, "data-check": f.check, "data-severity": f.severity,
      "data-order": String(f.order), "data-after": (f.after || []).join(" "),
    },
    el("span", { class: `severity ${f.severity}` }, f.severity), " ",
    el("strong", {}, f.title), " ", el("code", {}, f.check),
    el("p", {}, plain ? f.plain : f.admin),
    f.userCount ? el("p", { class: "who" }, `${f.userCount} user(s): ${f.users.join(", ")}${f.userCount > f.users.length ? ", …" : ""}`) : null,
    f.groups && f.groups.length ? el("p", { class: "who" }, `Groups: ${f.groups.join(", ")}`) : null,
    el("p", { class: "fix" }, el("strong", {}, "Fix: "), f.remediation, f.partial ? " (fixes part of it: a new audit still reports the rest)" : ""),
    fixOrder(f, findings.length, list),
    prerequisiteList(f),
    ...(f.graphRequests || []).map((r, i) => el("pre", { class: "request", "data-request": String(i + 1) }, `${i + 1}. ${r.method} ${r.url}` +
      (r.body ? "\n" + JSON.stringify(r.body, null, 2) : "") + bindText(f, r))))));
    return [el("h3", {}, title), list];
  }

  // fixOrder says where the fix stands in the report's order and which
  // fixes it must follow; each of those is a button that shows it.
  function fixOrder(f, total, list) {
    if (!f.order) return null;
    // A fix without calls (a decision only an administrator can take)
    // keeps its place in the order too.
    const verb = (f.graphRequests || []).length ? "Send" : "Fix";
    const parts = [`${verb} ${f.order} of ${total}, in the report's order.`];
    const after = f.after || [];
    if (after.length) {
      parts.push(" After: ", el("span", { "data-testid": "fix-after" }, ...after.flatMap((id, i) => {
        const b = el("button", { type: "button", class: "ref", "data-ref": id, title: `Show ${id}` }, id);
        b.addEventListener("click", () => {
          const target = [...list.children].find((li) => li.dataset.finding === id);
          if (target) target.scrollIntoView({ block: "center" });
        });
        return i ? [", ", b] : [b];
      })), " (its calls are written for the tenant as those fixes leave it).");
    }
    return el("p", { class: "fix-order", "data-testid": "fix-order" }, ...parts);
  }

  const prerequisiteSteps = {
    issueTemporaryAccessPass: "issue a one-time Temporary Access Pass and hand it over in person",
    registerDeviceBoundPasskey: "have them register a device-bound passkey their profile admits",
  };

  function prerequisiteList(f) {
    const list = f.prerequisites || [];
    if (!list.length) return null;
    return el("div", { class: "prerequisites" },
      el("p", {}, el("strong", {}, "Before the calls: "), `${f.prerequisiteCount} step(s) for users.`),
      el("ul", { class: "notes", "data-testid": "fix-prerequisites", "data-count": String(f.prerequisiteCount) },
        ...list.map((p) => el("li", { "data-user": p.user, "data-step": p.step },
          el("code", {}, p.user), ` ${prerequisiteSteps[p.step] || p.step}: ${p.reason}`)),
        f.prerequisiteCount > list.length ? el("li", {}, `… and ${f.prerequisiteCount - list.length} more.`) : null));
  }

  // bindText says which values of a call come from an earlier call's
  // response: of this fix, or of an earlier finding's fix.
  function bindText(f, r) {
    if (!r.bind || !r.bind.length) return "";
    return "\n" + r.bind.map((b) => `# ${b.pointer} ← ${b.from} of the response to ` +
      (b.finding ? `${b.finding}'s call ${b.request + 1}` : `call ${b.request + 1}`)).join("\n");
  }

  // ---- The rollout plan of a snapshot (keytier plan) ----

  function hidePlan() {
    planPanel.hidden = true;
    planBox.replaceChildren();
    planBox.dataset.state = "ready";
  }

  // loadPlan asks the bridge for the plan of the snapshot it read last,
  // with the dates the form holds, and renders it.
  async function loadPlan(source) {
    planPanel.hidden = false;
    planError.hidden = true;
    planBox.dataset.state = "working";
    const days = planWaveDays.value.trim();
    let v;
    try {
      v = await globalThis.keytier.plan({ start: planStart.value.trim(), waveDays: days ? Number(days) : 0 });
    } catch (err) {
      planError.textContent = err.message;
      planError.hidden = false;
      planBox.dataset.state = "invalid";
      return;
    }
    renderPlan(v, source);
  }

  planForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadPlan(card.dataset.source || "input");
  });

  // codeSpans makes the backquoted spans of a runbook step or a warning
  // <code>, as the plan's other renderings do.
  function codeSpans(s) {
    return s.split("`").map((part, i) => (i % 2 ? el("code", {}, part) : part));
  }

  // readinessBar is a stacked bar of ready, can register, need a pass and
  // blocked; the widths are set through the CSSOM, which the page's
  // Content Security Policy allows (style attributes it does not).
  function readinessBar(c) {
    const total = c.ready + c.canRegister + c.needPass + c.blocked;
    const bar = el("span", { class: "bar", role: "img",
      "aria-label": `${total} users: ${c.ready} ready, ${c.canRegister} can register, ${c.needPass} need a pass, ${c.blocked} blocked` });
    for (const [n, cls, label] of [[c.ready, "ready", "ready"], [c.canRegister, "can", "can register"], [c.needPass, "pass", "need a pass"], [c.blocked, "blocked", "blocked"]]) {
      if (!n) continue;
      const part = el("span", { class: cls, title: `${label}: ${n} of ${total}` });
      part.style.flexGrow = String(n);
      bar.append(part);
    }
    return bar;
  }

  function renderPlan(view, source) {
    const p = view.plan;
    const bySegment = new Map(p.segments.map((s) => [s.name, s]));
    planBox.dataset.tenant = p.tenant;
    planBox.dataset.start = p.start;
    planBox.dataset.segments = String(p.segments.length);
    planBox.dataset.waves = String(p.waves.length);
    planBox.dataset.source = source;
    const parts = [el("p", {}, `Snapshot of ${p.capturedAt}; the first wave starts on ${p.start}.`)];
    if (p.warnings.length) {
      parts.push(el("h3", {}, "Warnings"), el("ul", { class: "notes warnings", "data-testid": "plan-warnings" },
        ...p.warnings.map((w) => el("li", {}, ...codeSpans(w)))));
    }
    parts.push(el("h3", {}, "Assumptions"), el("ul", { class: "notes" }, ...p.assumptions.map((a) => el("li", {}, a))));

    parts.push(el("h3", {}, "Segments"), el("p", { class: "legend note" },
      el("i", { class: "ready" }), "ready", el("i", { class: "can" }), "can register", el("i", { class: "pass" }), "need a pass", el("i", { class: "blocked" }), "blocked"));
    parts.push(el("div", { class: "table-wrap" }, el("table", { "data-testid": "plan-segments" },
      el("thead", {}, el("tr", {}, ...["Segment", "Users", "Ready", "Can register", "Need a pass", "Blocked", "Tier"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...p.segments.map((s) => el("tr", {
        "data-testid": "plan-segment", "data-name": s.name, "data-users": s.users, "data-ready": s.ready,
        "data-can-register": s.canRegister, "data-need-pass": s.needPass, "data-blocked": s.blocked, "data-tier": s.profile.tier,
      },
      el("th", { scope: "row" }, s.name),
      el("td", { class: "n" }, String(s.users)), el("td", { class: "n" }, String(s.ready)), el("td", { class: "n" }, String(s.canRegister)),
      el("td", { class: "n" }, String(s.needPass)), el("td", { class: "n" }, String(s.blocked)), el("td", {}, s.profile.tier)))))));
    parts.push(el("ul", { class: "segments" }, ...p.segments.map((s) => el("li", { "data-segment": s.name },
      el("strong", {}, s.name), readinessBar(s),
      el("span", { class: "summary" }, s.profile.plain),
      s.groups.length ? el("span", { class: "summary" }, `Groups: ${s.groups.join(", ")}`) : null,
      s.privileged ? el("span", { class: "summary" }, "Every member holds a privileged role.") : null,
      ...s.blockedBy.map((b) => el("span", { class: "summary", "data-finding": b.finding }, "Blocked by ", el("code", {}, b.finding), ` (${b.users} users): ${b.title}`))))));

    parts.push(el("h3", {}, "Waves"));
    parts.push(el("div", { "data-testid": "plan-waves" }, ...p.waves.map((w, i) => {
      const sum = { ready: 0, canRegister: 0, needPass: 0, blocked: 0 };
      for (const name of w.segments) {
        const s = bySegment.get(name);
        if (s) for (const k of Object.keys(sum)) sum[k] += s[k];
      }
      return el("section", {
        class: "wave", "data-testid": "plan-wave", "data-name": w.name, "data-start": w.start, "data-end": w.end,
        "data-users": w.users, "data-segments": w.segments.join("\n"), "data-gates": w.gates.join(" "),
      },
      el("h4", {}, `${i + 1}. ${w.name}: ${w.start} to ${w.end}`), readinessBar(sum),
      el("p", {}, w.why),
      el("p", { class: "note" }, `Segments: ${w.segments.join("; ")} · ${w.users} user(s) asked to register`),
      el("p", { "data-testid": "plan-gates" }, el("strong", {}, "Gates: "),
        ...(w.gates.length ? w.gates.flatMap((g, j) => (j ? [", ", el("code", { "data-gate": g }, g)] : [el("code", { "data-gate": g }, g)])) : ["none"])),
      ...w.fixes.map((f) => el("div", { class: "gate-fix", "data-finding": f.finding },
        el("p", {}, el("code", {}, f.finding), " ", el("strong", {}, f.title), " ", f.description),
        ...f.graphRequests.map((r, k) => el("pre", { class: "request" }, `${k + 1}. ${r.method} ${r.url}` + (r.body ? "\n" + JSON.stringify(r.body, null, 2) : ""))))));
    })));

    parts.push(el("h3", {}, "Messages to users"));
    parts.push(el("div", { "data-testid": "plan-messages" }, ...p.messages.map((m) => el("article", {
      class: "message", "data-testid": "plan-message", "data-segment": m.segment, "data-kind": m.kind, "data-send": m.send,
    },
    el("p", { class: "note" }, `${m.segment} · ${m.kind} · send ${m.send}`),
    el("p", {}, el("strong", {}, m.subject)),
    ...m.body.split("\n").map((l) => el("p", {}, l))))));

    parts.push(el("h3", {}, "Helpdesk runbooks"));
    parts.push(el("div", { "data-testid": "plan-runbooks" }, ...p.runbooks.map((r) => el("section", {
      "data-testid": "plan-runbook", "data-segment": r.segment, "data-situation": r.situation,
    },
    el("h4", {}, `${r.segment}: ${r.title}`),
    el("ol", {}, ...r.steps.map((st) => el("li", {}, ...codeSpans(st))))))));

    const md = el("textarea", { readonly: true, rows: 12, spellcheck: "false", "data-testid": "plan-markdown" });
    md.value = view.markdown;
    parts.push(el("details", { class: "sub" }, el("summary", {}, "The plan as Markdown, for a wiki (keytier plan --format markdown)"), md));
    planBox.replaceChildren(...parts);
    planBox.dataset.state = "done";
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

    if (lastPeers && lastPeers.length) parts.push(...peerList(lastPeers, report.ok));

    card.replaceChildren(...parts);
    card.dataset.state = "done";
  }

  // peerList says what go-webauthn and @simplewebauthn/server would decide
  // about the same registration with the same settings, and, where one
  // differs from keytier, which answer WebAuthn L3 supports.
  function peerList(peers, keytierOK) {
    return [el("h3", {}, "What the libraries would decide"), el("ul", { class: "notes", "data-testid": "peers" },
      ...peers.map((v) => el("li", {
        "data-peer": v.name, "data-accepts": v.accepts ? "true" : "false", "data-agrees": v.agreesWithKeytier ? "true" : "false",
      },
      el("strong", {}, `${v.name} ${v.version}`), " ",
      v.accepts ? "accepts it." : `refuses it at ${v.step}: ${v.reason}`,
      v.model ? el("span", { class: "note" }, " (keytier's model of its documented defaults)") : null,
      v.option ? el("span", { class: "summary" }, `Changes its answer: ${v.option}`) : null,
      v.agreesWithKeytier ? null : el("span", { class: "summary" },
        `keytier ${keytierOK ? "accepts" : "refuses"} it. By WebAuthn L3${v.section ? ` (${v.section})` : ""}, `,
        v.rightBySpec === "either" ? "either answer is allowed" : `${v.rightBySpec} is right`, v.why ? `: ${v.why}` : "."))))];
  }

  // credentialChoices fills a select with the gallery samples and, when
  // there is one, the credential analyzed last.
  function credentialChoices(select) {
    const keep = select.value;
    const opts = [];
    if (lastCredential) opts.push(el("option", { value: "pasted" }, "The credential analyzed last"));
    for (const s of samples) opts.push(el("option", { value: `sample:${s.name}` }, `${s.name} (${s.authenticator})`));
    select.replaceChildren(...opts);
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  function refreshCredentialChoices() {
    credentialChoices(whatifCredential);
    credentialChoices(compareLeft);
    credentialChoices(compareRight);
  }

  // chosen returns {text, settings} for a credential select's value.
  function chosen(value) {
    if (value === "pasted") return lastCredential;
    const s = samples.find((x) => `sample:${x.name}` === value);
    if (!s) return null;
    return {
      text: s.registration,
      settings: { rpId: s.rpId, origin: s.origin, challenge: s.challenge, crossOrigin: !!s.crossOrigin, topOrigins: s.topOrigins || [] },
    };
  }

  function checkbox(name, value, label) {
    const id = `${name}-${value}`.replace(/[^A-Za-z0-9_-]/g, "_");
    return el("div", { class: "choice" },
      el("input", { type: "checkbox", id, name, value }), el("label", { for: id }, label));
  }

  // setupWhatIf prepares the panel for the policy the bridge now holds.
  function setupWhatIf(result) {
    const snap = result.snapshot;
    const policy = snap ? snap.policy : result.policy;
    whatifPanel.hidden = false;
    whatifPanel.dataset.kind = result.kind;
    whatifUserRow.hidden = !snap;
    if (snap) {
      whatifUser.replaceChildren(el("option", { value: "" }, "(no user: groups and roles below)"),
        ...snap.directory.map((u) => el("option", { value: u.id },
          u.upn + (u.privileged && u.privileged.length ? ` (${u.privileged.join(", ")})` : ""))));
    }
    const groups = (policy && policy.groups) || [];
    whatifGroups.replaceChildren(...(groups.length ? groups.map((g) => checkbox("whatif-group", g.id, g.name ? `${g.name} (${g.id})` : g.id))
      : [el("p", { class: "hint" }, "The policy names no group.")]));
    whatifRoles.replaceChildren(...roles.map((r) => checkbox("whatif-role", r.id, r.name)));
    whatifCard.replaceChildren(el("p", { class: "status" }, "Choose, then ask the policy."));
    whatifCard.dataset.state = "ready";
    for (const a of ["admitted", "reasonCode"]) delete whatifCard.dataset[a];
    refreshCredentialChoices();
  }

  whatifForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const cred = chosen(whatifCredential.value);
    if (!cred) return;
    const checked = (box) => [...box.querySelectorAll("input:checked")].map((i) => i.value);
    whatifCard.dataset.state = "working";
    let r;
    try {
      r = await globalThis.keytier.whatIf({
        userId: whatifUserRow.hidden ? "" : whatifUser.value,
        groups: checked(whatifGroups), roles: checked(whatifRoles),
        credential: cred.text, settings: cred.settings,
      });
    } catch (err) {
      whatifCard.replaceChildren(el("p", { class: "error", "data-testid": "whatif-error" }, err.message));
      for (const a of ["admitted", "reasonCode"]) delete whatifCard.dataset[a];
      whatifCard.dataset.state = "invalid";
      return;
    }
    whatifCard.dataset.admitted = r.admitted ? "true" : "false";
    if (r.reasonCode) whatifCard.dataset.reasonCode = r.reasonCode;
    else delete whatifCard.dataset.reasonCode;
    const c = r.credential;
    const parts = [el("p", { class: "headline" },
      el("span", { class: `badge ${r.admitted ? "ok" : "bad"}` }, r.admitted ? "Admitted" : "Refused"),
      r.by ? el("span", {}, `by the profile ${r.by.name || r.by.id}`) : null,
      c ? el("span", { class: "badge type" }, `${c.passkeyType || "unknown type"} · ${c.aal}`) : null)];
    if (r.error) parts.push(el("p", { class: "error" }, el("code", {}, r.error.code), " ", r.error.message));
    if (r.reasons.length) {
      parts.push(el("h3", {}, "Why not"), el("ul", { class: "notes", "data-testid": "whatif-reasons" },
        ...r.reasons.map((x) => el("li", { "data-code": x.code }, el("code", {}, x.code), " ", x.message))));
    }
    const who = r.subject;
    parts.push(el("h3", {}, "Who"), el("p", {}, who.upn || who.userId || "A user",
      who.groups.length ? ` in ${who.groups.map((g) => g.name || g.id).join(", ")}` : " in no group",
      who.roles.length ? `, holding ${who.roles.map((x) => x.name || x.id).join(", ")}` : ""));
    if (r.profiles.length) {
      parts.push(el("h3", {}, "Profiles that apply"), el("ul", { class: "notes" },
        ...r.profiles.map((sp) => el("li", {}, el("strong", {}, sp.name || sp.id), " ", sp.why))));
    }
    for (const n of r.notes) parts.push(el("p", { class: "note" }, n));
    whatifCard.replaceChildren(...parts);
    whatifCard.dataset.state = "done";
  });

  // side renders one credential of a comparison with the main card's data-*.
  function side(report, label, testid) {
    const c = report.credential;
    const a = report.assurance;
    const attrs = { class: "verdict", "data-testid": testid, "data-ok": report.ok ? "true" : "false", "data-aal": a ? a.aal : "none" };
    if (c && c.passkeyType) attrs["data-passkey-type"] = c.passkeyType;
    if (!report.ok && report.error) attrs["data-error-code"] = report.error.code;
    return el("article", attrs,
      el("h3", {}, label),
      el("p", { class: "headline" },
        el("span", { class: `badge ${report.ok ? "ok" : "bad"}` }, report.ok ? "Verified" : "Failed"),
        el("span", { class: "badge aal" }, a ? a.aal : "No assurance level"),
        c && c.passkeyType ? el("span", { class: "badge type" }, c.passkeyType === "synced" ? "Synced passkey" : "Device-bound passkey") : null),
      report.error ? el("p", { class: "error" }, el("code", {}, report.error.code), " ", report.error.message) : null,
      c ? el("dl", { class: "facts" },
        el("dt", {}, "Authenticator"), el("dd", {}, c.authenticator || "unknown"),
        el("dt", {}, "Format"), el("dd", {}, c.format),
        el("dt", {}, "Flags"), el("dd", {}, ["up", "uv", "be", "bs"].map((f) => `${f.toUpperCase()}=${c.flags && c.flags[f] ? 1 : 0}`).join(" ")),
        el("dt", {}, "Trusted"), el("dd", {}, c.attestation && c.attestation.trusted ? "yes" : "no")) : null);
  }

  compareForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const l = chosen(compareLeft.value);
    const r = chosen(compareRight.value);
    if (!l || !r) return;
    compareBox.dataset.state = "working";
    let c;
    try {
      c = await globalThis.keytier.compare(l, r);
    } catch (err) {
      compareBox.replaceChildren(el("p", { class: "error" }, err.message));
      compareBox.dataset.state = "invalid";
      return;
    }
    const label = (sel) => sel.options[sel.selectedIndex].textContent;
    const diffs = c.differences.length
      ? el("table", { class: "diffs", "data-testid": "differences" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Aspect"), el("th", { scope: "col" }, "Left"), el("th", { scope: "col" }, "Right"), el("th", { scope: "col" }, "Why it matters"))),
        el("tbody", {}, ...c.differences.map((d) => el("tr", { "data-aspect": d.aspect },
          el("th", { scope: "row" }, d.aspect), el("td", {}, d.left), el("td", {}, d.right), el("td", {}, d.meaning)))))
      : el("p", { "data-testid": "differences" }, "The two credentials do not differ on anything the playground compares.");
    compareBox.replaceChildren(el("div", { class: "sides" },
      side(c.left, label(compareLeft), "compare-left"), side(c.right, label(compareRight), "compare-right")), diffs);
    compareBox.dataset.state = "done";
  });

  // readFile reads a chosen file in the page; nothing is uploaded.
  function readFile(input) {
    const f = input.files && input.files[0];
    if (!f) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(new Uint8Array(r.result));
      r.onerror = () => reject(r.error);
      r.readAsArrayBuffer(f);
    });
  }

  mdsForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    mdsStatus.dataset.state = "working";
    try {
      const blob = await readFile(mdsFile);
      if (!blob) throw new Error("Choose the BLOB file first.");
      const root = await readFile(mdsRoot);
      const info = await globalThis.keytier.loadMDS(blob, root);
      mdsStatus.textContent = `Metadata BLOB no. ${info.number}: ${info.entries} authenticator(s), next update ${info.nextUpdate}` +
        `${info.stale ? " (stale: FIDO has published a newer one)" : ""}, signed under ${info.root}. Analyze a credential with its RP ID, origin and challenge to use it.`;
      mdsStatus.dataset.state = "loaded";
      mdsClear.hidden = false;
    } catch (err) {
      mdsStatus.textContent = `The metadata was not loaded: ${err.message}`;
      mdsStatus.dataset.state = "error";
    }
  });
  mdsClear.addEventListener("click", async () => {
    await globalThis.keytier.clearMDS();
    mdsStatus.textContent = "No metadata: attestation is checked against nothing.";
    mdsStatus.dataset.state = "none";
    mdsClear.hidden = true;
  });

  // createPasskey asks this device for a passkey for this page and
  // verifies it fully: the page made the challenge and knows its origin.
  async function createPasskey() {
    showFormError("");
    const ch = crypto.getRandomValues(new Uint8Array(32));
    const userId = crypto.getRandomValues(new Uint8Array(16));
    let cred;
    try {
      cred = await navigator.credentials.create({
        publicKey: {
          rp: { id: location.hostname, name: "keytier playground" },
          user: { id: userId, name: "playground", displayName: "keytier playground" },
          challenge: ch,
          pubKeyCredParams: [-7, -257, -8].map((alg) => ({ type: "public-key", alg })),
          attestation: "direct",
          authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
          timeout: 120000,
        },
      });
    } catch (err) {
      showFormError(`No passkey was created: ${err.message}`);
      return;
    }
    const r = cred.response;
    const json = typeof cred.toJSON === "function" ? cred.toJSON() : {
      id: cred.id, rawId: b64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: b64url(r.clientDataJSON), attestationObject: b64url(r.attestationObject),
        transports: typeof r.getTransports === "function" ? r.getTransports() : [],
      },
    };
    const settings = { rpId: location.hostname, origin: location.origin, challenge: b64url(ch) };
    const text = JSON.stringify(json, null, 2);
    fill(text, settings);
    history.replaceState(null, "", location.pathname);
    share.hidden = true;
    await analyze("created");
    // The record a relying party would store: what "Sign in with it"
    // verifies against.
    try {
      const view = await globalThis.keytier.enroll(text, settings, b64url(userId));
      renderTimeline(view, null, "created");
      resetSignInCard("Registered. Sign in with it to add a row.");
    } catch (err) {
      resetSignInCard(`There is no record to sign in against: ${err.message}`);
    }
  }
  createButton.addEventListener("click", createPasskey);

  function fill(t, s) {
    text.value = t;
    rpId.value = (s && s.rpId) || "";
    origin.value = (s && s.origin) || "";
    challenge.value = (s && s.challenge) || "";
  }

  // loadFragment applies #sample=NAME or #input=B64URL[&rp-id=&origin=&challenge=].
  function loadFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (params.has("story")) {
      loadStory(params.get("story"));
      return;
    }
    if (params.has("assertion")) {
      signInFromLink(params);
      return;
    }
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

  // ---- A credential's timeline: sign-ins verified against its record ----

  function fromB64url(s) {
    const std = s.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(std + "===".slice((std.length + 3) % 4)), (c) => c.charCodeAt(0));
  }

  function tierText(t) {
    const kind = t.passkeyType === "synced" ? "Synced" : t.passkeyType === "deviceBound" ? "Device-bound" : "Unknown type";
    return `${kind} · ${t.aal}`;
  }

  const rowWhat = { registration: "Registration", record: "Stored record", signIn: "Sign-in" };

  // flagCells shows UP, UV, BE and BS, marking those that differ from the
  // row before (for a stored record, from what it stores).
  function flagCells(row, prev) {
    if (!row.flags) {
      if (row.stored) {
        return [el("span", { class: "flags-line" }, el("span", { class: "flag" }, `BE=${row.stored.backupEligible ? 1 : 0}`),
          el("span", { class: "flag" }, `BS=${row.stored.backupState ? 1 : 0}`)), el("span", { class: "note" }, "as stored")];
      }
      return [el("span", { class: "note" }, "not read")];
    }
    const before = prev && (prev.flags || (prev.stored && { be: prev.stored.backupEligible, bs: prev.stored.backupState }));
    const flag = (f) => {
      const changed = before && f in before && before[f] !== row.flags[f];
      return el("span", { class: changed ? "flag changed" : "flag" }, `${f.toUpperCase()}=${row.flags[f] ? 1 : 0}`);
    };
    return [el("span", { class: "flags-line" }, flag("up"), flag("uv")), el("span", { class: "flags-line" }, flag("be"), flag("bs"))];
  }

  function eventList(events) {
    if (!events.length) return el("span", { class: "note" }, "none");
    return el("ul", {}, ...events.map((e) => el("li", { "data-code": e.code },
      el("code", {}, e.code), ` (${e.old} → ${e.new}) `, e.plain,
      el("details", {}, el("summary", {}, "For admins"), e.admin, " ", el("span", { class: "citation" }, e.citation)))));
  }

  // renderTimeline shows a TimelineView; about, when set, is a story.
  function renderTimeline(view, about, source) {
    timeline = view;
    timelineTable.hidden = false;
    timelineTable.dataset.source = source;
    timelineAbout.replaceChildren(...(about ? [el("h3", {}, about.title), el("p", {}, about.text), el("p", { class: "note" }, about.source)] : []));
    // Each moment is a row; its events, in plain words, follow in a row
    // of their own across the table.
    timelineRows.replaceChildren(...view.rows.flatMap((r, i) => {
      const prev = i > 0 ? view.rows[i - 1] : null;
      const attrs = {
        "data-testid": "timeline-row", "data-n": r.n, "data-kind": r.kind, "data-ok": r.ok ? "true" : "false",
        "data-events": r.events.map((e) => e.code).join(" "), "data-passkey-type": r.tier.passkeyType, "data-aal": r.tier.aal,
      };
      if (r.error) attrs["data-error-code"] = r.error.code;
      const result = r.kind === "signIn" ? el("span", { class: `badge ${r.ok ? "ok" : "bad"}` }, r.ok ? "Accepted" : "Refused") : null;
      const when = r.at ? r.at.replace("T", " ").replace(/(:\d\d)?(\.\d+)?Z$/, " UTC") : "time unknown";
      const out = [el("tr", attrs,
        el("th", { scope: "row" }, String(r.n)),
        el("td", {}, el("strong", {}, rowWhat[r.kind] || r.kind), " ", result,
          el("span", { class: "when" }, when),
          r.error ? el("span", { class: "summary" }, el("code", {}, r.error.code)) : null,
          el("span", { class: "summary" }, r.summary)),
        el("td", {}, ...flagCells(r, prev)),
        el("td", {}, r.signCount !== undefined ? String(r.signCount) : r.stored ? `${r.stored.signCount} (stored)` : "not read"),
        el("td", { "data-testid": "tier" }, el("span", { class: r.tierChanged ? "badge type changed" : "badge type" }, tierText(r.tier)),
          r.tierChanged && prev ? el("span", { class: "summary" }, `was ${tierText(prev.tier)}`) : null))];
      if (r.events.length) {
        out.push(el("tr", { class: "events", "data-testid": "timeline-events", "data-n": r.n },
          el("td", {}), el("td", { colspan: 4 }, el("span", { class: "note" }, `Events of #${r.n}:`), eventList(r.events))));
      }
      return out;
    }));
    recordJSON.value = view.recordJson;
    recordError.hidden = true;
    // A live sign-in needs the credential to belong to this page's RP ID.
    const rpId = view.record.rpId || "";
    signinButton.disabled = !webauthnReady || (rpId !== "" && rpId !== location.hostname);
    signinButton.title = signinButton.disabled
      ? (webauthnReady ? `This credential belongs to ${rpId}, not to this page (${location.hostname}).` : "Signing in needs https (or localhost) and a browser with WebAuthn.")
      : "";
  }

  function resetSignInCard(message) {
    signinCard.replaceChildren(el("p", { class: "status" }, message));
    signinCard.dataset.state = "ready";
    for (const a of ["ok", "events", "errorCode", "aal", "passkeyType", "elapsedMs", "source"]) delete signinCard.dataset[a];
    signinShare.hidden = true;
  }

  // renderSignIn shows a SignInResult in the sign-in verdict card:
  // data-ok, data-events (codes, space-separated) and data-error-code
  // (empty when ok) are its contract. t0, when given, is when the
  // assertion arrived: data-elapsed-ms is the time from then until the
  // verdict and the timeline are on the page.
  function renderSignIn(res, source, t0) {
    signinCard.dataset.ok = res.ok ? "true" : "false";
    signinCard.dataset.events = res.events.map((e) => e.code).join(" ");
    signinCard.dataset.errorCode = res.ok || !res.error ? "" : res.error.code;
    signinCard.dataset.source = source;
    const t = res.row && res.row.tier;
    if (t) {
      signinCard.dataset.passkeyType = t.passkeyType;
      signinCard.dataset.aal = t.aal;
    } else {
      delete signinCard.dataset.passkeyType;
      delete signinCard.dataset.aal;
    }
    const parts = [el("p", { class: "headline" },
      el("span", { class: `badge ${res.ok ? "ok" : "bad"}`, "data-testid": "signin-ok" }, res.ok ? "Sign-in accepted" : "Sign-in refused"),
      t ? el("span", { class: "badge type", "data-testid": "signin-tier" }, tierText(t)) : null)];
    if (res.error) {
      parts.push(el("p", { class: "error", "data-testid": "signin-error" }, el("code", {}, res.error.code), " ", res.error.message));
    }
    if (res.row) parts.push(el("p", {}, res.row.summary));
    if (res.events.length) parts.push(el("h3", {}, "Events"), eventList(res.events));
    signinCard.replaceChildren(...parts);
    if (res.timeline) renderTimeline(res.timeline, null, source);
    const now = performance.now();
    if (t0 !== undefined) signinCard.dataset.elapsedMs = (now - t0).toFixed(1);
    else delete signinCard.dataset.elapsedMs;
    signinCard.dataset.renderedAtMs = now.toFixed(1);
    signinCard.dataset.state = "done";
  }

  // signInLink is the fragment that replays a sign-in: the assertion, the
  // record as it was before it, and the settings.
  function signInLink(assertion, record, settings) {
    const p = [`assertion=${encodeText(assertion)}`, `record=${encodeText(record)}`];
    for (const [name, v] of [["rp-id", settings.rpId], ["origin", settings.origin], ["challenge", settings.challenge]]) {
      if (v) p.push(`${name}=${encodeURIComponent(v)}`);
    }
    return "#" + p.join("&");
  }

  // signInWithIt asks this device to sign in with the followed credential
  // and verifies the assertion against the record in the bridge.
  async function signInWithIt() {
    if (!timeline) return;
    const ch = crypto.getRandomValues(new Uint8Array(32));
    signinCard.dataset.state = "working";
    let cred;
    try {
      cred = await navigator.credentials.get({
        publicKey: {
          challenge: ch,
          rpId: location.hostname,
          allowCredentials: [{ type: "public-key", id: fromB64url(timeline.record.id) }],
          userVerification: "preferred",
          timeout: 120000,
        },
      });
    } catch (err) {
      resetSignInCard(`No sign-in: ${err.message}`);
      signinCard.dataset.state = "invalid";
      return;
    }
    // From the moment the assertion arrives to the verdict on the page.
    const t0 = performance.now();
    const r = cred.response;
    const json = typeof cred.toJSON === "function" ? cred.toJSON() : {
      id: cred.id, rawId: b64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: b64url(r.clientDataJSON), authenticatorData: b64url(r.authenticatorData),
        signature: b64url(r.signature), userHandle: r.userHandle ? b64url(r.userHandle) : undefined,
      },
    };
    const assertion = JSON.stringify(json);
    const before = timeline.recordJson;
    const settings = { rpId: location.hostname, origin: location.origin, challenge: b64url(ch) };
    const res = await globalThis.keytier.signIn({ assertion, record: "", settings });
    renderSignIn(res, "live", t0);
    signinShare.href = signInLink(assertion, before, settings);
    signinShare.hidden = false;
  }
  signinButton.addEventListener("click", signInWithIt);

  // signInFromLink verifies #assertion=…&record=…&rp-id=…&origin=…&challenge=….
  async function signInFromLink(params) {
    let assertion, record;
    try {
      assertion = decodeText(params.get("assertion"));
      record = params.has("record") ? decodeText(params.get("record")) : "";
    } catch (err) {
      resetSignInCard("The link's assertion or record is not base64url.");
      signinCard.dataset.state = "invalid";
      return;
    }
    const settings = { rpId: params.get("rp-id") || "", origin: params.get("origin") || "", challenge: params.get("challenge") || "" };
    signinCard.dataset.state = "working";
    timelineAbout.replaceChildren();
    const t0 = performance.now();
    const res = await globalThis.keytier.signIn({ assertion, record, settings });
    renderSignIn(res, "link", t0);
    if (!res.timeline) {
      timeline = null;
      timelineTable.hidden = true;
      signinButton.disabled = true;
    }
    signinShare.href = location.hash;
    signinShare.hidden = false;
    document.getElementById("signin-panel").scrollIntoView();
  }

  // loadStory replays a recorded story: the registration in the verdict
  // card, its sign-ins in the timeline.
  async function loadStory(name) {
    let v;
    try {
      v = await globalThis.keytier.story(name);
    } catch (err) {
      setStatus(err.message, "invalid");
      return;
    }
    fill(v.registration, v.settings);
    hidePlan();
    share.href = `#story=${encodeURIComponent(name)}`;
    share.hidden = false;
    lastReport = v.report;
    lastPeers = null;
    card.dataset.kind = "credential";
    render(v.report, `story:${name}`);
    card.append(el("p", { class: "note" }, "This registration is verified with the story's own test metadata, which vouches for the virtual authenticator's attestation; analyzed without it, the attestation is not trusted."));
    renderTimeline(v.timeline, v, `story:${name}`);
    const last = v.timeline.rows[v.timeline.rows.length - 1];
    renderSignIn({ ok: last.ok, error: last.error || null, events: last.events, row: last }, `story:${name}`);
  }

  function renderStories() {
    storiesList.replaceChildren(...stories.map((s) => {
      const b = el("button", { type: "button", "data-story": s.name, title: s.text },
        el("span", { class: "name" }, s.title),
        el("span", { class: "meta" }, "registration and two sign-ins, recorded"));
      b.addEventListener("click", () => {
        const h = `#story=${encodeURIComponent(s.name)}`;
        if (location.hash === h) loadFragment();
        else location.hash = h;
      });
      return el("li", {}, b);
    }));
  }

  recordImport.addEventListener("click", async () => {
    try {
      const view = await globalThis.keytier.importRecord(recordJSON.value);
      timelineAbout.replaceChildren();
      renderTimeline(view, null, "import");
      resetSignInCard("Record loaded. Sign in with it, if this device holds its passkey.");
    } catch (err) {
      recordError.textContent = err.message;
      recordError.hidden = false;
    }
  });

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
    roles = await globalThis.keytier.roles();
    stories = await globalThis.keytier.stories();
    renderGallery();
    renderStories();
    refreshCredentialChoices();
    if (samples.length > 1) compareRight.selectedIndex = 1;
    analyzeButton.disabled = false;
    compareRun.disabled = false;
    mdsLoad.disabled = false;
    // WebAuthn needs a secure context (https, or http on localhost).
    webauthnReady = !!(window.isSecureContext && navigator.credentials && window.PublicKeyCredential);
    createButton.disabled = !webauthnReady;
    if (createButton.disabled) createButton.title = "Creating a passkey needs https (or localhost) and a browser with WebAuthn.";
    recordImport.disabled = false;
    resetSignInCard("No credential yet.");
    setStatus("Paste a registration or pick a sample.", "ready");
    loadFragment();
  }

  start().catch((err) => setStatus(`keytier could not start: ${err.message}`, "error"));
})();
