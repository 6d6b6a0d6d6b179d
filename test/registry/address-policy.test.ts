// The SSRF guard: link-local and metadata addresses in every spelling are refused; ordinary ones are not.

import { describe, expect, it } from "vitest";
import { isForbiddenAddress } from "../../webhook/src/registry/address-policy.js";

describe("isForbiddenAddress", () => {
  it.each([
    "169.254.169.254",
    "169.254.0.1",
    "169.254.255.255",
    "fd00:ec2::254",
    "[fd00:ec2::254]",
    "fe80::1",
    "fe80::1%eth0",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
  ])("refuses %s", address => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  // Each refused address with an allowed neighbour: the refusal reaches exactly as far as it should.
  it.each([
    ["100.100.100.200", "100.100.100.201"],
    ["fd00:ec2::253", "fd00:ec2:0:1::253"],
    ["fd00:ec2::123", "fd00:ec3::123"],
    ["64:ff9b::a9fe:a9fe", "64:ff9b::a9fd:ffff"],
    ["[64:ff9b::169.254.169.254]", "[64:ff9b::8.8.8.8]"],
    ["64:ff9b::6464:64c8", "64:ff9b::6464:64c9"],
    ["64:ff9b:1::a9fe:a9fe", "64:ff9b:1::808:808"],
    ["64:ff9b:1:a9fe:a9:fe00::", "64:ff9b:1:808:8:800::"],
    ["64:ff9b:1:a9:fe:a9fe::", "64:ff9b:1:8:8:808::"],
    ["64:ff9b:1:0:a9:fea9:fe00:0", "64:ff9b:1:0:8:808:800:0"],
    ["::a9fe:a9fe", "::7f00:1"],
    ["::169.254.0.1", "::127.0.0.1"],
    ["::ffff:6464:64c8", "::ffff:6464:64c7"],
    ["::ffff:0:a9fe:a9fe", "::ffff:0:7f00:1"],
  ])("refuses %s, allows %s", (refused, allowed) => {
    expect(isForbiddenAddress(refused)).toBe(true);
    expect(isForbiddenAddress(allowed)).toBe(false);
  });

  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "169.253.255.255",
    "169.255.0.1",
    "::1",
    "2001:db8::1",
    "registry.test",
  ])("allows %s", address => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});
