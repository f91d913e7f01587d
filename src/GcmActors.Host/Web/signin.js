// Where the OpenID Connect authority sends the browser back (/signin?code=...&state=...): checks the state, exchanges
// the code and its PKCE verifier for an access token at the authority's token endpoint, keeps the token in session
// storage and goes back to the page that started the sign-in.
import { finishOidcSignIn, start, t } from "./gcm.js";

await start(() => { document.title = t("auth.signIn"); });
try {
  location.replace(await finishOidcSignIn(new URLSearchParams(location.search)));
} catch (error) {
  document.getElementById("status").hidden = true;
  const message = document.getElementById("error");
  message.textContent = `${t("auth.refused")} ${error.message}`;
  message.hidden = false;
}
