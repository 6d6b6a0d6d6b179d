import type { Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { allowResponseJson } from "../../webhook/src/admission/review.js";
import type {
  AdmissionResponse,
  AdmissionReviewResponse,
} from "../../webhook/src/admission/types.js";

/** The answer as an object, serialised the ordinary way: what the text must equal byte for byte. */
function expected(uid: string, patch: readonly Operation[], warnings: readonly string[]): string {
  const response: AdmissionResponse = {
    uid,
    allowed: true,
    ...(patch.length === 0
      ? {}
      : {
          patchType: "JSONPatch" as const,
          patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
        }),
    ...(warnings.length === 0 ? {} : { warnings: warnings.map(w => `podinit: ${w}`) }),
  };
  const review: AdmissionReviewResponse = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response,
  };
  return JSON.stringify(review);
}

const PATCH: Operation[] = [
  { op: "add", path: "/metadata/annotations/podinit.dev~1status", value: '{"a":"é \\" \n"}' },
  { op: "replace", path: "/spec/containers/0/command", value: ["/.podinit/podinit", "--", "ü"] },
];

describe("allowResponseJson", () => {
  it.each([
    ["no patch, no warning", "705ab4f5-6393-11e8-b7cc-42010a800002", [], []],
    ["a patch", "uid-1", PATCH, []],
    ["warnings only", "uid-2", [], ["grace-period: '-5s' is not a duration", 'quote " and \\']],
    ["a uid that needs escaping", 'u"i\\d\u2028', PATCH, ["x"]],
  ] as const)(
    "%s: the same text JSON.stringify gives for the object",
    (_label, uid, patch, warnings) => {
      const text = allowResponseJson(uid, patch, warnings);
      expect(text).toBe(expected(uid, patch, warnings));
      const parsed = JSON.parse(text) as AdmissionReviewResponse;
      expect(parsed.response.uid).toBe(uid);
      if (parsed.response.patch !== undefined) {
        expect(JSON.parse(Buffer.from(parsed.response.patch, "base64").toString("utf8"))).toEqual(
          patch,
        );
      }
    },
  );
});
