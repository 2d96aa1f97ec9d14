// The portal's only script: it runs the two WebAuthn ceremonies. The server
// sends the options as JSON (built by go-webauthn; keytier verifies the
// responses), the browser turns them into
// navigator.credentials arguments, and the credential goes back as the JSON
// PublicKeyCredential.toJSON() makes. Everything else is plain HTML forms.
"use strict";

async function post(url, body) {
  const res = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? "{}" : JSON.stringify(body),
  });
  let data;
  try {
    data = await res.json();
  } catch {
    throw new Error(`The server answered ${res.status} without JSON.`);
  }
  if (data.next) return data;
  if (!res.ok) {
    const err = new Error(data.error || `The server answered ${res.status}.`);
    err.code = data.code || "";
    throw err;
  }
  return data;
}

async function register() {
  const opts = await post("/register/options");
  const cred = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(opts.publicKey),
  });
  return post("/register/finish", cred.toJSON());
}

async function signin() {
  const opts = await post("/signin/options");
  const cred = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(opts.publicKey),
  });
  return post("/signin/finish", cred.toJSON());
}

const ceremonies = { register, signin };

document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector("[data-testid=status]");
  for (const button of document.querySelectorAll("button[data-ceremony]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      status.dataset.state = "working";
      status.textContent = "Follow your browser's prompt…";
      status.classList.remove("error");
      delete status.dataset.code;
      try {
        if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
          throw new Error("This browser does not support passkeys here. Use a current browser, over https or on localhost.");
        }
        const res = await ceremonies[button.dataset.ceremony]();
        status.dataset.state = "done";
        location.assign(res.next);
      } catch (e) {
        status.dataset.state = "error";
        status.classList.add("error");
        status.textContent = e instanceof Error ? e.message : String(e);
        // keytier's code for a refusal (a passkey.Code or a policy
        // reason), for scripts and tests.
        if (e && e.code) status.dataset.code = e.code;
        button.disabled = false;
      }
    });
  }
});
