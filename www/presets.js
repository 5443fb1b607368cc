//! The preset experiments: one click each, one short paragraph each.
//!
//! A preset is a URL query over the experiment's own keys (the same text a
//! shared link carries), so it is parsed and validated by the wasm
//! `parseQuery` like any link: every key a preset leaves out takes the
//! experiment's default. Nothing here knows the parameter table or its ranges.
//! The first preset is the page's first-visit default.
//!
//! Deliberately no page options (x axis, log scale) in presets: a preset is an
//! experiment, and the view is the reader's choice.

/** @type {{id: string, name: string, query: string, text: string}[]} */
export const PRESETS = [
  {
    id: "article",
    name: "The article",
    query: "b0=8&lr0=0.001&k=1-7&rule=linear&opt=sgd&epochs=10",
    text:
      "The article's setting: base batch 8 and learning rate 0.001, plain SGD, 10 epochs. " +
      "Seven runs use batches 8, 16, … 56 with learning rates 0.001, 0.002, … 0.007 (the linear rule). " +
      "Plotted against epochs the curves should nearly coincide, although the run with k = 7 " +
      "takes seven times fewer steps. Switch the x axis to steps to see that.",
  },
  {
    id: "no-scaling",
    name: "No scaling",
    query: "b0=8&lr0=0.001&k=1-7&rule=none&opt=sgd&epochs=10",
    text:
      "The same seven batch sizes, but every run keeps the learning rate 0.001. " +
      "A larger batch then takes fewer steps of the same size per epoch, so per epoch it learns less " +
      "and the curves fan out. This gap is what the linear rule closes.",
  },
  {
    id: "sqrt",
    name: "√k rule",
    query: "b0=8&lr0=0.001&k=1-7&rule=sqrt&opt=sgd&epochs=10",
    text:
      "Scale the learning rate by √k instead of k: this keeps the variance of each update the same as " +
      "with batch 8. It lies between no scaling and the linear rule, so expect the larger batches to " +
      "trail k = 1 a little, less than without scaling.",
  },
  {
    id: "warmup",
    name: "Warmup (Goyal et al.)",
    query: "b0=8&lr0=0.02&k=1,16,64&rule=linear&warmup=2&opt=sgd&epochs=6",
    text:
      "Goyal et al. trained ImageNet with batches of 8192 by scaling the learning rate linearly and " +
      "raising it gradually over the first epochs. Here η0 = 0.02 and k = 1, 16, 64, so the largest run " +
      "aims at η = 1.28; during the first 2 epochs each run's rate climbs step by step from 0.02 to its " +
      "target (see the learning-rate panel). Set warmup to 0 and run again: started at full rate, the " +
      "k = 64 run can stall at chance level.",
  },
  {
    id: "adam",
    name: "Does Adam need rescaling?",
    query: "b0=8&lr0=0.001&k=1,4,16&rule=none&opt=adam&epochs=10",
    text:
      "Adam divides every step by a running estimate of the gradient's size, so its step length depends " +
      "much less on the batch than SGD's. Here batches 8, 32 and 128 all keep η = 0.001 and no rule " +
      "rescales it. Do the curves still match per epoch? Then switch the rule to √k or linear and run again.",
  },
  {
    id: "adam-sde",
    name: "Adam's own rule (SDE)",
    query: "b0=8&lr0=0.001&k=1,4,16&rule=sde&opt=adam&epochs=5",
    text:
      "Malladi et al. (2022) derived how Adam should follow the batch: for a batch κ times larger, " +
      "multiply η by √κ, multiply 1 − β1 and 1 − β2 by κ (each average forgets κ times faster, since " +
      "it sees κ times fewer steps per epoch) and divide ε by √κ. Here batches 8, 32 and 128: at κ = 4, " +
      "β1 = 0.6 and β2 = 0.996; at κ = 16, 1 − β1 would exceed 1, so β1 is 0 (no averaging) and β2 = 0.984. " +
      "Switch the rule to √k (only η changes) or none and run again to compare: measured with the CLI, √k " +
      "ends closer to batch 8 here (96.65 % against 95.35 % at κ = 16, where the SDE rule is past its range).",
  },
  {
    id: "grow-batch",
    name: "Grow the batch, not the decay",
    query: "b0=8&lr0=0.1&k=1&decay=step&milestones=4,8&factor=5&grow=0,1&epochs=12",
    text:
      "Smith, Kindermans, Ying & Le (2018): “Don't decay the learning rate, increase the batch size”. Both " +
      "runs start at batch 8 and η = 0.1. After epochs 4 and 8 the first divides the rate by 5; the second " +
      "keeps the rate and multiplies the batch by 5 instead (8, 40, 200). The noise of SGD scales with η/B, " +
      "so per epoch the curves should nearly match, while the second takes 4,960 steps instead of 12,000. " +
      "Switch the x axis to steps to see the difference.",
  },
  {
    id: "gd-vs-sgd",
    name: "Batch GD vs SGD vs mini-batch",
    query: "b0=1&lr0=0.01&k=1,32,2000&rule=sqrt&opt=sgd&epochs=3&train=2000",
    text:
      "One experiment has one base batch, so this one sets B0 = 1 and k = 1, 32, 2000 on 2,000 training " +
      "images: stochastic gradient descent (one image per step), a mini-batch of 32, and full-batch " +
      "gradient descent (all 2,000 images, one step per epoch), with η = 0.01, 0.057 and 0.45 from the √k " +
      "rule. Per epoch each run does the same arithmetic, but SGD makes 2,000 updates where full batch makes " +
      "one. Switch the x axis to steps to compare them update by update.",
  },
  {
    id: "breaks",
    name: "Where linear scaling breaks",
    query: "b0=8&lr0=0.01&k=1-256*2&rule=linear&opt=sgd&epochs=3",
    text:
      "The linear rule assumes that k small steps act like one step k times larger. With η0 = 0.01 and k " +
      "doubling from 1 to 256 (batches up to 2048, η up to 2.56) the small-k curves still overlap, but " +
      "from some k on the steps are too large for that to hold: those runs fall behind or stop learning. " +
      "A run whose loss blows up is stopped, marked diverged, and crossed on the chart.",
  },
  {
    id: "seeds",
    name: "Seeds: is the difference real?",
    query: "b0=8&lr0=0.001&k=1,8&rule=linear&opt=sgd&epochs=5&repeats=3&order=vary",
    text:
      "Two curves that differ by half a point may differ only by luck: another seed gives other initial weights, " +
      "other dropout masks and another order of the digits. Here k = 1 and k = 8 (linear rule) are each trained " +
      "three times, with seeds 1, 2 and 3. Each line is the mean of its three runs and the shaded band spans the " +
      "lowest to the highest. Where the bands overlap, the gap between the curves is within seed-to-seed noise; " +
      "where they separate, it is real. Set the data order to “same” to see how much of the spread comes from the " +
      "shuffling alone.",
  },
  {
    id: "landscape",
    name: "Landscape: where the rule bends",
    query: "mode=landscape&b0=8&lr0=0.0398&epochs=1&target=90&grid_b=8,32,128,512,2048,8000&grid_lr=0.001:10:6",
    text:
      "Instead of following one rule, try every pair: six batch sizes from 8 to the whole training set (8,000) " +
      "against six learning rates from 0.001 to 10, each pair trained for one epoch from the same start, 36 runs in " +
      "all. On the heatmap the good cells form a bright valley. The linear rule predicts that the valley runs along " +
      "the orange line (four times the batch, four times the rate), the √ rule along the pink one. Look for where " +
      "the valley leaves the line: from there on, doubling the batch no longer allows doubling the rate, and the " +
      "line runs into cells that diverged (crossed) or got stuck at chance (grey). On the right, the fewest steps " +
      "any rate needed to reach 90 % per batch size; with perfect scaling they would halve with every doubling.",
  },
  {
    id: "time-to-accuracy",
    name: "Why large batches? Time to accuracy",
    query: "b0=8&lr0=0.01&k=1,8,64&rule=linear&warmup=1&opt=sgd&epochs=4&target=90&workers=2",
    text:
      "Why scale the batch at all? Not to learn more per sample, but to finish sooner: a larger batch gives " +
      "several processors one step to share. Each run here trains 4 epochs with the linear rule and one epoch " +
      "of warmup, and shares every step between 2 workers (the batch is split in two, the gradients added up), " +
      "so the runs go one after another. Switch the x axis to time: batch 8 gains almost nothing from its second " +
      "worker (the workers wait for each other every step, and its steps are tiny), while batches 64 and 512 keep " +
      "both busy and reach 90 % sooner in wall time (the runs table’s “to 90 %” column gives each run's time). On the samples axis the curves still nearly agree. The gain " +
      "lasts only while the batch is below the critical batch size (the page estimates it): beyond it, a larger " +
      "batch needs more samples to reach the same accuracy, and the saved time is spent again on extra epochs.",
  },
];

/** The preset with this id, or undefined. */
export function presetById(id) {
  return PRESETS.find((p) => p.id === id);
}
