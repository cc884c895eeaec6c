import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

// The browser end-to-end test serves a build whose IPC is answered by the mock backend; the
// production build does not contain it (Vite drops this branch).
if (import.meta.env.MODE === "e2e-mock") {
  const { installMockBackend } = await import("./mock/backend");
  // `?dead-app-password`: git's store helper holds a retired app password (the Fix git flow).
  const deadAppPassword = new URLSearchParams(location.search).has("dead-app-password");
  installMockBackend({ git: { storeHoldsAppPassword: deadAppPassword, setUp: [] } });
}

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
