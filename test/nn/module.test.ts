import { test } from "node:test";
import assert from "node:assert/strict";
import { Embedding, Linear, Module } from "../../src/nn/index.js";
import { Tensor } from "../../src/tensor/index.js";

/** An embedding and a projection onto its vocabulary, optionally one matrix (weight tying). */
class TinyLm extends Module {
  readonly embed: Embedding;
  readonly head: Linear;
  constructor(tied: boolean) {
    super();
    this.embed = this.addChild("embed", new Embedding(5, 3, false));
    this.head = this.addChild("head", new Linear(3, 5, true, tied ? this.embed.weight : undefined));
  }
}

test("a tensor two modules share is one parameter, listed once under its first name", () => {
  const m = new TinyLm(true);
  assert.equal(m.head.weight, m.embed.weight);
  assert.deepEqual(m.namedParameters().map(([n]) => n), ["embed.weight", "head.bias"]);
  assert.deepEqual(m.parameters(), [m.embed.weight, m.head.bias]);
});

test("withAliases lists every name of a shared tensor, as PyTorch's state_dict does", () => {
  const m = new TinyLm(true);
  const all = m.namedParameters({ withAliases: true });
  assert.deepEqual(all.map(([n]) => n), ["embed.weight", "head.weight", "head.bias"]);
  assert.equal(all[0][1], all[1][1]);
});

test("without sharing, every name is its own tensor", () => {
  const m = new TinyLm(false);
  assert.notEqual(m.head.weight, m.embed.weight);
  assert.deepEqual(m.namedParameters().map(([n]) => n), ["embed.weight", "head.weight", "head.bias"]);
  assert.deepEqual(m.namedParameters({ withAliases: true }), m.namedParameters());
});

test("a shared tensor of the wrong shape is refused", () => {
  assert.throws(() => new Linear(5, 3, true, Tensor.zeros([5, 3], true)), /Linear\.weight: shared tensor has shape \[5, 3\], expected \[3, 5\]/);
  assert.throws(() => new Embedding(4, 3, true, Tensor.zeros([4, 3, 1], true)), /expected \[4, 3\]/);
});
