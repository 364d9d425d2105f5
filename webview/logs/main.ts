/**
 * Logs dashboard webview entry (browser bundle dist/webview/logs.js, no Node APIs): registers
 * the webview-ui-toolkit components it uses and starts the dashboard. Its stylesheet is bundled
 * beside it as logs.css.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeTextField } from "@vscode/webview-ui-toolkit";
import "./logs.css";
import { LogsApp } from "./app";

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());

const root = document.getElementById("app");
if (!root) throw new Error("the Logs view's #app element is missing");
void new LogsApp(root).start();
