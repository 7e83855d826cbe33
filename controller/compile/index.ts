export { compileFleet, type CompileOptions } from "./compile.js";
export { farmOf, PATHS, type Farm } from "./farm.js";
export { certSubject, webCertSubject, rfc2253, opensslSubj, type Subject, type Rdn } from "./pki.js";
export { renderIni, parseIni, MANAGED_HEADER } from "./ini.js";
export { diffCatalogs, diffResource, lineDiff, type HostDiff, type ResourceChange, type PropChange } from "./catalog-diff.js";
export { summarize } from "./summary.js";
