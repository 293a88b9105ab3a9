// Per-instance vendor data, an openimds extension Nova does not have: Instance.vendorData is laid
// over the StaticJSON document one level deep — an instance key replaces the static key of the same
// name whole (objects are not merged recursively), other static keys stay, in their order, and new
// instance keys follow. It rides on the StaticJSON provider: with that provider disabled (null)
// neither is shown, exactly as Nova shows no static vendor data then; an operator who wants only
// per-instance data enables StaticJSON without a file, which Nova also serves as {}.

export function mergeVendorData(
  staticData: Record<string, unknown> | null,
  instanceData: Record<string, unknown> | null,
): Record<string, unknown> | null {
  if (staticData === null) return null;
  if (instanceData === null) return staticData;
  return { ...staticData, ...instanceData };
}
