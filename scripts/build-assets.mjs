// Build the static assets the pages need from the npm packages (nothing built is committed):
// compile our Sass over GOV.UK Frontend, and copy its JavaScript and images beside it.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/joinedup/web/static/build");
const govuk = join(root, "node_modules/govuk-frontend/dist/govuk");

mkdirSync(out, { recursive: true });
const result = sass.compile(join(root, "src/joinedup/web/assets/app.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter(root)],
  quietDeps: true,
});
writeFileSync(join(out, "app.css"), result.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets/images"), join(out, "govuk/images"), { recursive: true });
console.log(`assets built in ${out}`);
