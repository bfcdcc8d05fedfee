import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { type GenerationConfig, resolveGenerationConfig, stream } from "../../generate/index.js";
import type { DecoderOnly } from "../../models/index.js";
import { requireCommand } from "../../architectures/registry.js";
import { loadForInference } from "../../run/index.js";
import { integerOption, numberOption } from "../options.js";

interface GenerateFlags {
  checkpoint: string;
  prompt: string;
  maxNewTokens: number;
  greedy?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  repetitionPenalty?: number;
}

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("continue a prompt with a decoder_only checkpoint, printing tokens as they are generated")
    .requiredOption("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json")
    .option("--prompt <text>", "text to continue (default: start from bos alone)", "")
    .option("--max-new-tokens <n>", "most tokens to generate", integerOption, 50)
    .option("--greedy", "greedy search instead of sampling")
    .option("--temperature <t>", "sampling temperature > 0 (default 1)", numberOption)
    .option("--top-k <k>", "sample among the k most likely tokens", integerOption)
    .option("--top-p <p>", "nucleus sampling: among the most likely tokens adding up to p, 0 < p ≤ 1", numberOption)
    .option("--seed <n>", "sampling seed (default: random, printed on stderr)", integerOption)
    .option("--repetition-penalty <r>", "CTRL repetition penalty (> 1 discourages repeats; default 1)", numberOption)
    .addHelpText("after", `
Prints only the generated text (not the prompt), then a newline. Sampling is the default; without --seed
the seed drawn is printed on stderr, so that a run can be repeated. A prompt longer than the model's max_len keeps
its last max_len tokens (with a warning); generation also stops where the model's positions run out.`)
    .action(async (flags: GenerateFlags) => {
      const sampling = !flags.greedy;
      const seed = sampling ? flags.seed ?? Math.floor(Math.random() * 2 ** 32) : undefined;
      const config: GenerationConfig = sampling
        ? { strategy: "sample", temperature: flags.temperature, topK: flags.topK, topP: flags.topP, seed }
        : { strategy: "greedy" };
      if (!sampling) {
        for (const [flag, v] of [["--temperature", flags.temperature], ["--top-k", flags.topK], ["--top-p", flags.topP], ["--seed", flags.seed]] as const) {
          if (v !== undefined) throw new OptionError(`${flag} applies to sampling, not to --greedy`);
        }
      }
      config.maxNewTokens = flags.maxNewTokens;
      config.repetitionPenalty = flags.repetitionPenalty;
      resolveGenerationConfig(config); // bad values fail before the checkpoint is read
      const { model, config: mc, srcTokenizer } = loadForInference(flags.checkpoint);
      requireCommand("generate", flags.checkpoint, mc.architecture, "generate continues prompts with");
      let prompt = srcTokenizer.encode(flags.prompt, { addBos: true });
      if (prompt.length > mc.max_len) {
        process.stderr.write(`transformer: warning: the prompt has ${prompt.length} tokens; only its last ${mc.max_len} (the model's max_len) are used\n`);
        prompt = prompt.slice(prompt.length - mc.max_len);
      }
      const it = stream(model as DecoderOnly, [prompt], config, { detokenizer: srcTokenizer });
      if (sampling && flags.seed === undefined) process.stderr.write(`seed ${seed}\n`);
      let r = await it.next();
      while (!r.done) {
        process.stdout.write(r.value.text);
        if (r.value.finish === "max_len") process.stderr.write(`\ntransformer: warning: stopped at the model's max_len ${mc.max_len} positions\n`);
        r = await it.next();
      }
      process.stdout.write("\n");
    });
}
