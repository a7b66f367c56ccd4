// Reading a gradcheck reference file from disk (the checks are src/ninja/reference.ts's, browser-safe).

import { ninjaReferenceFromRecords, type NinjaReference } from "../ninja/reference.ts";
import { readSafetensors } from "./safetensors-file.ts";

/** Reads and checks a reference file (its layout: src/ninja/reference.ts). */
export async function readNinjaReference(path: string): Promise<NinjaReference> {
  const file = await readSafetensors(path);
  return ninjaReferenceFromRecords(file.tensors, path, file.metadata);
}
