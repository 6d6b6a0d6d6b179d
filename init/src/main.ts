// Entry point of the podinit binary (bundled by esbuild, compiled by qjsc, run by init/native/main.c).
import * as native from "podinit_native";
import { runPodinit } from "./podinit.js";
import { createQuickJsSys } from "./quickjs-sys.js";
import { INTERNAL_ERROR_EXIT } from "./exit-status.js";

declare const PODINIT_VERSION: string;

let code = INTERNAL_ERROR_EXIT;
try {
  code = runPodinit(createQuickJsSys(), native.args().slice(1), native.environ(), PODINIT_VERSION);
} catch (error) {
  const detail = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  native.write(2, `podinit: internal error: ${detail}\n`);
}
native.exit(code);
