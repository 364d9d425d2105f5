/**
 * Webview entry (browser bundle, no Node APIs). A placeholder until the comparison view lands:
 * it only proves the bundle loads by rendering a heading.
 */
const heading = document.createElement("h1");
heading.textContent = "Faro";
const note = document.createElement("p");
note.textContent = "The model comparison view will appear here.";
document.body.replaceChildren(heading, note);
