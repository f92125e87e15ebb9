import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { markPainted } from "./lib/startup";

const target = document.getElementById("app");
if (!target) throw new Error("missing #app");
const app = mount(App, { target });
markPainted("painted");
export default app;
