// Entry point of the podinit binary (bundled by esbuild, compiled by qjsc).
import * as std from "std";
import { runPodinit } from "./podinit.js";
import { createQuickJsPlatform } from "./quickjs-platform.js";

declare const PODINIT_VERSION: string;

const code = runPodinit(
  createQuickJsPlatform(),
  scriptArgs.slice(1),
  std.getenviron(),
  PODINIT_VERSION,
);
std.exit(code);
