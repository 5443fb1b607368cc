//! Batch-size schedules (Smith et al. 2018) and the SDE rule for adaptive optimizers
//! (Malladi et al. 2022), against numbers worked out by hand: the batch, steps and rate of
//! every epoch of a growing-batch plan, the defaults' step decay unchanged, the SDE rule's
//! β, ε and η for a given κ, Adam's update unchanged at κ = 1, and a trainer that really
//! trains with the plan's batch of each epoch.

use std::sync::Arc;

use lr_batch_playground::config::{Config, Opt, Rule};
use lr_batch_playground::data::{Dataset, Split};
use lr_batch_playground::optim::Optimizer;
use lr_batch_playground::rng::Rng;
use lr_batch_playground::runs::group_label;
use lr_batch_playground::schedule::{OptConstants, RunPlan};
use lr_batch_playground::train::Trainer;

fn cfg(q: &str) -> Config {
    Config::from_query(q).unwrap()
}

#[test]
fn batch_grows_at_the_milestones() {
    // N = 1000, B = 10, 6 epochs, ×5 at epochs 2 and 4: batches 10, 10, 50, 50, 250, 250;
    // steps per epoch 100, 100, 20, 20, 4, 4 (total 248); the rate stays η = 0.1.
    let c = cfg("b0=10&lr0=0.1&decay=step&milestones=2,4&factor=5&grow=1&epochs=6");
    let p = RunPlan::new(&c, 1, 1000);
    let batches: Vec<usize> = (0..6).map(|e| p.batch_in_epoch(e)).collect();
    assert_eq!(batches, vec![10, 10, 50, 50, 250, 250]);
    let steps: Vec<u64> = (0..6).map(|e| p.steps_in_epoch(e)).collect();
    assert_eq!(steps, vec![100, 100, 20, 20, 4, 4]);
    assert_eq!(p.total_steps(), 248);
    let s = &p.schedule;
    for step in [0, 199, 200, 239, 240, 247] {
        assert_eq!(s.lr_at(step), 0.1, "step {step}");
    }
    // Epoch boundaries: step 200 opens epoch 2, 240 epoch 4, 244 epoch 5.
    assert_eq!(
        [199, 200, 219, 220, 240, 244].map(|t| s.epoch_at(t)),
        [1, 2, 2, 3, 4, 5]
    );
    // The same milestones as rate decay: batch 10 throughout, η 0.1, 0.02, 0.004.
    let c = cfg("b0=10&lr0=0.1&decay=step&milestones=2,4&factor=5&grow=0&epochs=6");
    let p = RunPlan::new(&c, 1, 1000);
    assert_eq!(p.total_steps(), 600);
    assert_eq!((p.batch_in_epoch(5), p.steps_in_epoch(5)), (10, 100));
    let s = &p.schedule;
    assert!((s.lr_at(199) - 0.1).abs() < 1e-15);
    assert!((s.lr_at(200) - 0.02).abs() < 1e-15);
    assert!((s.lr_at(400) - 0.004).abs() < 1e-15);
}

#[test]
fn capped_growth_puts_the_rest_into_the_rate() {
    // N = 1000, B = 100, ×5 at epochs 1 and 2: 500, then 2500 capped at 1000. At the cap
    // the rate takes what the batch could not: η·1000 / (100·25) = 0.4·η.
    let c = cfg("b0=100&lr0=1&decay=step&milestones=1,2&factor=5&grow=1&epochs=3");
    let p = RunPlan::new(&c, 1, 1000);
    assert_eq!(
        (0..3).map(|e| p.batch_in_epoch(e)).collect::<Vec<_>>(),
        vec![100, 500, 1000]
    );
    assert_eq!(p.total_steps(), 10 + 2 + 1);
    let s = &p.schedule;
    assert_eq!(s.lr_at(9), 1.0);
    assert_eq!(s.lr_at(10), 1.0);
    assert_eq!(s.lr_at(11), 1.0);
    assert!((s.lr_at(12) - 0.4).abs() < 1e-15);
    // Half the factor into each: batch ×√4 = 2, rate ÷2 per milestone (B = 8, F = 4).
    let c = cfg("b0=8&lr0=1&decay=step&milestones=1&factor=4&grow=0.5&epochs=2");
    let p = RunPlan::new(&c, 1, 64);
    assert_eq!((p.batch_in_epoch(1), p.steps_in_epoch(1)), (16, 4));
    assert!((p.schedule.lr_at(8) - 0.5).abs() < 1e-15);
    // A rounded batch is compensated in the rate: 8·√5 = 17.9 → 18, η = (18/8)/5 = 0.45.
    let c = cfg("b0=8&lr0=1&decay=step&milestones=1&factor=5&grow=0.5&epochs=2");
    let p = RunPlan::new(&c, 1, 64);
    assert_eq!(p.batch_in_epoch(1), 18);
    assert!((p.schedule.lr_at(8) - 0.45).abs() < 1e-15);
}

#[test]
fn default_step_decay_is_unchanged() {
    // The old rule, bit for bit: ×0.1 from 50 % of the epochs, ×0.01 from 75 % (4+ epochs).
    for epochs in 1..=12u32 {
        let c = cfg(&format!("lr0=0.3&decay=step&epochs={epochs}&b0=10"));
        let p = RunPlan::new(&c, 3, 100);
        let spe = p.steps_per_epoch();
        assert_eq!(spe, 4);
        assert_eq!(p.total_steps(), 4 * epochs as u64);
        for step in 0..p.total_steps() {
            let e = (step / spe) as u32;
            let f = if e >= epochs * 3 / 4 && epochs >= 4 {
                0.01
            } else if e >= epochs / 2 && epochs >= 2 {
                0.1
            } else {
                1.0
            };
            assert_eq!(
                p.schedule.lr_at(step).to_bits(),
                (p.lr * f).to_bits(),
                "{epochs} epochs, step {step}"
            );
        }
    }
}

#[test]
fn growth_needs_step_decay_and_runs_per_share() {
    let e = Config::from_query("grow=1").unwrap_err();
    assert_eq!(e.param, "grow");
    let c = cfg("k=1,2&decay=step&milestones=3,6&factor=5&grow=0,1&epochs=8");
    let runs = c.runs();
    assert_eq!(runs.len(), 4);
    assert_eq!(c.group_count(), 4);
    let labels: Vec<String> = runs.iter().map(group_label).collect();
    assert_eq!(
        labels,
        [
            "k = 1, rate ÷5",
            "k = 1, batch ×5",
            "k = 2, rate ÷5",
            "k = 2, batch ×5"
        ]
    );
    assert_eq!(runs[3].config.grow, vec![1.0]);
    assert_eq!(
        runs.iter().map(|r| r.group).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // Plain step decay (one share, 0) names no share: the labels of before.
    let plain = cfg("k=1,2&decay=step&epochs=8");
    let labels: Vec<String> = plain.runs().iter().map(group_label).collect();
    assert_eq!(labels, ["k = 1", "k = 2"]);
    // The defaults: one run per k and the JSON of before (no new keys).
    let c = cfg("k=1,2&decay=step");
    assert_eq!(c.runs().len(), 2);
    assert!(!c.to_json().contains("grow") && !c.to_json().contains("milestones"));
    assert_eq!(cfg("milestones=auto&factor=10&grow=0").to_query(), "");
    let q = cfg("decay=step&milestones=5,8&factor=5&grow=0,1").to_query();
    assert!(
        q.contains("milestones=5,8") && q.contains("factor=5") && q.contains("grow=0,1"),
        "{q}"
    );
}

#[test]
fn sde_rule_by_hand() {
    // Adam, κ = 4: η·2, β1 = 1 − 4·0.1 = 0.6, β2 = 1 − 4·0.001 = 0.996, ε = 1e-8 / 2.
    let c = cfg("opt=adam&rule=sde&lr0=0.001&b0=8");
    let p = RunPlan::new(&c, 4, 8000);
    assert!((p.lr - 0.002).abs() < 1e-15);
    let OptConstants { beta1, beta2, eps } = p.consts;
    assert!((beta1 - 0.6).abs() < 1e-6, "{beta1}");
    assert!((beta2 - 0.996).abs() < 1e-6, "{beta2}");
    assert!((eps - 5e-9).abs() < 1e-15, "{eps}");
    // κ = 16: 1 − β1 = 1.6 is capped at 1 (β1 = 0); β2 = 0.984; ε = 2.5e-9; η·4.
    let p = RunPlan::new(&c, 16, 8000);
    assert!((p.lr - 0.004).abs() < 1e-15);
    assert_eq!(p.consts.beta1, 0.0);
    assert!((p.consts.beta2 - 0.984).abs() < 1e-6);
    assert!((p.consts.eps - 2.5e-9).abs() < 1e-16);
    // Adagrad, κ = 9: η·3, ε = 1e-10 / 3 (β unused, left at the defaults).
    let p = RunPlan::new(&cfg("opt=adagrad&rule=sde&lr0=0.01"), 9, 8000);
    assert!((p.lr - 0.03).abs() < 1e-15);
    assert!((p.consts.eps - 1e-10 / 3.0).abs() < 1e-18);
    assert_eq!(p.consts.beta1, 0.9);
    // SGD and momentum: the SDE rule is the linear rule; constants untouched.
    for opt in ["sgd", "momentum", "nesterov"] {
        let p = RunPlan::new(&cfg(&format!("opt={opt}&rule=sde&lr0=0.01")), 5, 8000);
        assert!((p.lr - 0.05).abs() < 1e-15, "{opt}");
        assert_eq!(p.consts, OptConstants::defaults(Opt::Sgd), "{opt}");
    }
    // κ = 1 and every other rule: PyTorch's defaults exactly.
    assert_eq!(
        OptConstants::scaled(Opt::Adam, Rule::Sde, 1.0),
        OptConstants::defaults(Opt::Adam)
    );
    assert_eq!(
        OptConstants::scaled(Opt::Adam, Rule::Sqrt, 16.0),
        OptConstants {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8
        }
    );
}

#[test]
fn adam_takes_its_constants_from_the_plan() {
    let steps = |o: &mut Optimizer| {
        let mut p = vec![1.0f32];
        for g in [1.0f32, 0.5, -0.25] {
            o.step(&mut p, &[g], 0.01);
        }
        p[0]
    };
    // κ = 1: the same bits as the default optimizer.
    let plan = RunPlan::new(&cfg("opt=adam&rule=sde"), 1, 8000);
    let a = steps(&mut Optimizer::with_constants(Opt::Adam, 0.9, plan.consts));
    let b = steps(&mut Optimizer::new(Opt::Adam, 0.9));
    assert_eq!(a.to_bits(), b.to_bits());
    // β1 = 0.6, β2 = 0.996, ε = 5e-9 by hand in f64.
    let c = OptConstants {
        beta1: 0.6,
        beta2: 0.996,
        eps: 5e-9,
    };
    let got = steps(&mut Optimizer::with_constants(Opt::Adam, 0.9, c));
    let (b1, b2, eps) = (0.6f64, 0.996f64, 5e-9f64);
    let (mut m, mut v, mut p) = (0.0f64, 0.0f64, 1.0f64);
    for (t, g) in [1.0f64, 0.5, -0.25].iter().enumerate() {
        let t = t as i32 + 1;
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        p -= 0.01 * (m / (1.0 - b1.powi(t))) / ((v / (1.0 - b2.powi(t))).sqrt() + eps);
    }
    assert!((got as f64 - p).abs() < 1e-6, "{got} vs {p}");
    // And it differs from the defaults' result by more than that tolerance.
    assert!((got - b).abs() > 1e-4, "{got} vs {b}");
}

#[test]
fn trainer_follows_the_growing_batch() {
    // 64 random images, 3 epochs, batch 4 ×2 after epoch 1 and again after 2:
    // 16 + 8 + 4 = 28 steps; every record carries its epoch's batch.
    let set = |n: usize, seed: u64| {
        let mut r = Rng::new(seed);
        Dataset {
            images: (0..n * 784).map(|_| r.next_f32()).collect(),
            labels: (0..n).map(|_| r.below(10) as u8).collect(),
        }
    };
    let split = Arc::new(Split {
        train: set(64, 1),
        test: set(16, 2),
        mean: 0.0,
        std: 1.0,
    });
    let c =
        cfg("b0=4&lr0=0.01&train=64&epochs=3&decay=step&milestones=1,2&factor=2&grow=1&dropout=0");
    let mut t = Trainer::new(&c, 1, split).unwrap();
    // The noise probes keep their count per epoch as the batch grows: one per epoch on a
    // training set this small (at steps 16, 24 and 28), counted through the trainer's clock.
    fn clock() -> f64 {
        0.0
    }
    t.set_clock(clock);
    let mut probes = Vec::new();
    while t.run_epoch().is_some() {
        probes.push(t.timings().probes);
    }
    assert_eq!(probes, vec![1, 2, 3]);
    let h = t.history().to_vec();
    let at: Vec<(u32, u64, u64, usize)> = h
        .iter()
        .map(|r| (r.epoch, r.step, r.samples, r.batch))
        .collect();
    assert_eq!(
        at,
        vec![
            (0, 0, 0, 4),
            (1, 16, 64, 4),
            (2, 24, 128, 8),
            (3, 28, 192, 16)
        ]
    );
    assert_eq!(t.step_losses().len(), 28);
    assert!(h.iter().all(|r| r.lr == 0.01));
}

#[test]
fn the_presets_parse_and_the_growth_preset_says_its_steps() {
    let js =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/presets.js")).unwrap();
    let queries: Vec<&str> = js
        .split("query: \"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert!(queries.len() >= 10, "{queries:?}");
    for q in &queries {
        Config::from_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    // "grow-batch": rate ÷5 vs batch ×5 after epochs 4 and 8, on the 8,000 digits: the
    // text's 12,000 and 4,960 steps (1000·12 and 1000·4 + 200·4 + 40·4).
    let q = queries.iter().find(|q| q.contains("grow=0,1")).unwrap();
    let c = cfg(q);
    let steps: Vec<u64> = c
        .runs()
        .iter()
        .map(|r| RunPlan::new(&r.config, r.k, 8000).total_steps())
        .collect();
    assert_eq!(steps, vec![12_000, 4_960]);
    assert!(js.contains("4,960 steps instead of 12,000"));
}
