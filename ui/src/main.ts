import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

// The browser end-to-end test serves a build whose IPC is answered by the mock backend; the
// production build does not contain it (Vite drops this branch).
if (import.meta.env.MODE === "e2e-mock") {
  const { installMockBackend, signedInConnection } = await import("./mock/backend");
  const query = new URLSearchParams(location.search);
  // `?dead-app-password`: git's store helper holds a retired app password (the Fix git flow).
  const deadAppPassword = query.has("dead-app-password");
  // `?sign-in-again`: a signed-in connection whose renewal Bitbucket refused.
  const connections = query.has("sign-in-again") ? [signedInConnection("work", "sign_in_again")] : [];
  installMockBackend({ git: { storeHoldsAppPassword: deadAppPassword, setUp: [] }, connections });
}

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
