/**
 * Webview entry (browser bundle, no Node APIs): registers the webview-ui-toolkit components and
 * starts the Compare view.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeProgressRing,
  vsCodeTextArea,
  vsCodeTextField,
} from "@vscode/webview-ui-toolkit";
import { CompareApp } from "./compare/app";

provideVSCodeDesignSystem().register(vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeProgressRing(), vsCodeTextArea(), vsCodeTextField());

const root = document.getElementById("app");
if (!root) throw new Error("the Compare view's #app element is missing");
void new CompareApp(root).start();
