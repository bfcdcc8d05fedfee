import { Rng } from "../tensor/index.js";
import type { ModelConfig } from "./config.js";
import { DecoderOnly } from "./decoder-only.js";
import { EncoderOnly } from "./encoder-only.js";
import { Seq2Seq } from "./seq2seq.js";

export type Model = Seq2Seq | DecoderOnly | EncoderOnly;

/** A model of the config's architecture, with zeroed weights (load or initialise them next). */
export function buildModel(config: ModelConfig, rng: Rng = new Rng(0)): Model {
  switch (config.architecture) {
    case "seq2seq":
      return new Seq2Seq(config, rng);
    case "decoder_only":
      return new DecoderOnly(config, rng);
    case "encoder_only":
      return new EncoderOnly(config, rng);
  }
}
