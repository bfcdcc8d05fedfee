import { type Command, Option } from "commander";
import { OptionError } from "../../errors.js";
import { type BeamConvention, type GenerationConfig, generate, resolveGenerationConfig, stream } from "../../generate/index.js";
import type { DecoderOnly } from "../../models/index.js";
import { requireCommand } from "../../architectures/registry.js";
import { loadForInference, promptIds } from "../../run/index.js";
import { integerOption, numberOption } from "../options.js";

interface GenerateFlags {
  checkpoint: string;
  prompt: string;
  maxNewTokens: number;
  greedy?: boolean;
  beam?: number;
  lengthPenalty?: number;
  beamConvention?: BeamConvention;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  repetitionPenalty?: number;
  json?: boolean;
}

/** The generation config the flags ask for; a flag of another strategy is an OptionError. */
function generationConfig(flags: GenerateFlags): GenerationConfig {
  const strategy = flags.beam !== undefined ? "beam" : flags.greedy ? "greedy" : "sample";
  if (flags.beam !== undefined && flags.greedy) throw new OptionError("--beam and --greedy are two searches; give one");
  const sampling = [["--temperature", flags.temperature], ["--top-k", flags.topK], ["--top-p", flags.topP], ["--seed", flags.seed]] as const;
  const beam = [["--length-penalty", flags.lengthPenalty], ["--beam-convention", flags.beamConvention]] as const;
  if (strategy !== "sample") {
    for (const [flag, v] of sampling) if (v !== undefined) throw new OptionError(`${flag} applies to sampling, not to ${strategy === "beam" ? "--beam" : "--greedy"}`);
  }
  if (strategy !== "beam") {
    for (const [flag, v] of beam) if (v !== undefined) throw new OptionError(`${flag} applies to beam search only (add --beam K)`);
  }
  const config: GenerationConfig =
    strategy === "sample" ? { strategy, temperature: flags.temperature, topK: flags.topK, topP: flags.topP, seed: flags.seed ?? Math.floor(Math.random() * 2 ** 32) }
    : strategy === "beam" ? { strategy, numBeams: flags.beam, lengthPenalty: flags.lengthPenalty, beamConvention: flags.beamConvention }
    : { strategy };
  config.maxNewTokens = flags.maxNewTokens;
  config.repetitionPenalty = flags.repetitionPenalty;
  return config;
}

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("continue a prompt with a decoder_only checkpoint, printing tokens as they are generated")
    .requiredOption("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json (ours, or a Hugging Face GPT-2 folder)")
    .option("--prompt <text>", "text to continue (default: start from bos alone)", "")
    .option("--max-new-tokens <n>", "most tokens to generate", integerOption, 50)
    .option("--greedy", "greedy search instead of sampling")
    .option("--beam <k>", "beam search with k beams instead of sampling (printed when it ends, not streamed)", integerOption)
    .option("--length-penalty <alpha>", "beam search: length penalty α (default 0.6 for gnmt, 1 for huggingface)", numberOption)
    .addOption(new Option("--beam-convention <c>", "beam search: gnmt (ours: ((5+|Y|)/6)^α, ends when k have finished) or huggingface (transformers' generate(): |Y|^α, its early stop)").choices(["gnmt", "huggingface"]))
    .option("--temperature <t>", "sampling temperature > 0 (default 1)", numberOption)
    .option("--top-k <k>", "sample among the k most likely tokens", integerOption)
    .option("--top-p <p>", "nucleus sampling: among the most likely tokens adding up to p, 0 < p ≤ 1", numberOption)
    .option("--seed <n>", "sampling seed (default: random, printed on stderr)", integerOption)
    .option("--repetition-penalty <r>", "CTRL repetition penalty (> 1 discourages repeats; default 1)", numberOption)
    .option("--json", "print one JSON object when done: text, ids (generated, eos included), prompt_ids, finish (and seed)")
    .addHelpText("after", `
Prints only the generated text (not the prompt), then a newline. Sampling is the default; without --seed
the seed drawn is printed on stderr, so that a run can be repeated. A prompt longer than the model's max_len keeps
its last max_len tokens (with a warning); generation also stops where the model's positions run out. Our
checkpoints are prompted with bos first (they were trained on <s> text </s>); a Hugging Face GPT-2 with the
prompt's tokens alone, as transformers' tokenizer encodes it.`)
    .action(async (flags: GenerateFlags) => {
      const config = generationConfig(flags);
      resolveGenerationConfig(config); // bad values fail before the checkpoint is read
      const parts = loadForInference(flags.checkpoint);
      const { model, config: mc, srcTokenizer } = parts;
      requireCommand("generate", flags.checkpoint, mc.architecture, "generate continues prompts with");
      let prompt = promptIds(parts, flags.prompt);
      if (prompt.length > mc.max_len) {
        process.stderr.write(`transformer: warning: the prompt has ${prompt.length} tokens; only its last ${mc.max_len} (the model's max_len) are used\n`);
        prompt = prompt.slice(prompt.length - mc.max_len);
      }
      const lm = model as DecoderOnly;
      if (config.strategy === "sample" && flags.seed === undefined) process.stderr.write(`seed ${config.seed}\n`);
      const warnMaxLen = () => process.stderr.write(`${flags.json ? "" : "\n"}transformer: warning: stopped at the model's max_len ${mc.max_len} positions\n`);
      if (flags.json || config.strategy === "beam") {
        const best = generate(lm, [prompt], config).results[0][0];
        if (best.finish === "max_len") warnMaxLen();
        const text = srcTokenizer.decode(best.tokens, { skipSpecial: true });
        const out = flags.json
          ? JSON.stringify({ text, ids: best.tokens, prompt_ids: prompt, finish: best.finish, ...(config.strategy === "sample" ? { seed: config.seed } : {}) })
          : text;
        process.stdout.write(out + "\n");
        return;
      }
      const it = stream(lm, [prompt], config, { detokenizer: srcTokenizer });
      let r = await it.next();
      while (!r.done) {
        process.stdout.write(r.value.text);
        if (r.value.finish === "max_len") warnMaxLen();
        r = await it.next();
      }
      process.stdout.write("\n");
    });
}
