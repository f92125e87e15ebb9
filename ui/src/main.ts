import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { markFirstPaint } from "./lib/startup";

const target = document.getElementById("app");
if (!target) throw new Error("missing #app");
// index.html drew the app's frame while this script loaded; the app takes its place.
target.replaceChildren();
const app = mount(App, { target });
markFirstPaint();
export default app;
