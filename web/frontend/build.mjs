// Copies the built bpmn-js modeler (and its licence) from node_modules into web/static/vendor/bpmn-js/,
// where Flask serves it: the app needs no CDN and no internet at run time. Run by `make install`.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "bpmn-js");
const target = join(here, "..", "static", "vendor", "bpmn-js");
const version = JSON.parse(readFileSync(join(source, "package.json"), "utf8")).version;

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(source, "dist", "bpmn-modeler.production.min.js"), join(target, "bpmn-modeler.production.min.js"));
cpSync(join(source, "dist", "assets", "diagram-js.css"), join(target, "assets", "diagram-js.css"));
cpSync(join(source, "dist", "assets", "bpmn-js.css"), join(target, "assets", "bpmn-js.css"));
cpSync(join(source, "dist", "assets", "bpmn-font"), join(target, "assets", "bpmn-font"), { recursive: true });
cpSync(join(source, "LICENSE"), join(target, "LICENSE"));
writeFileSync(join(target, "VERSION"), `bpmn-js ${version}\n`);
console.log(`bpmn-js ${version} -> ${target}`);
