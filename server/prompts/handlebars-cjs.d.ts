// The dotprompt library imports Handlebars from this path; importing the same file keeps one
// module instance in the bundle (so the helpers it registers are visible here).
declare module "handlebars/dist/cjs/handlebars.js" {
  import Handlebars from "handlebars";
  export default Handlebars;
}
