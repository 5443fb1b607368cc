//! Suites 3 and 4: bad configs, bad numbers and bad data files come back as `Error`s
//! naming the problem, never as panics; `parseQuery` keeps the good parameters and
//! reports the bad ones; the small exports (parameter table, run plans, CSV, palette).

use super::*;

// ---- 3. bad configs and bad data are errors, not panics -----------------------------

#[wasm_bindgen_test]
fn bad_configs_are_errors_naming_the_parameter() {
    let e = trainer_error("{", 1.0, IMAGES, LABELS);
    assert!(e.contains("`json`"), "{e}");
    let e = trainer_error(r#"{"lr0": -1}"#, 1.0, IMAGES, LABELS);
    assert!(e.contains("`lr0`") && e.contains("(0, 10]"), "{e}");
    let e = trainer_error(r#"{"epochs": 0}"#, 1.0, IMAGES, LABELS);
    assert!(e.contains("`epochs`"), "{e}");
    let e = trainer_error(r#"{"bogus": 1}"#, 1.0, IMAGES, LABELS);
    assert!(e.contains("bogus"), "{e}");
    for k in [0.0, 5000.0] {
        let e = trainer_error("{}", k, IMAGES, LABELS);
        assert!(e.contains("`k`") && e.contains("1 to 4096"), "k={k}: {e}");
    }
    for k in [-1.0, 1.5, f64::NAN, f64::INFINITY] {
        let e = trainer_error("{}", k, IMAGES, LABELS);
        assert!(
            e.contains("`k`") && e.contains("whole number"),
            "k={k}: {e}"
        );
    }

    let cfg = r#"{"repeats": 2}"#;
    let e = message(
        WasmTrainer::new(cfg, 1.0, IMAGES, LABELS, Some(2.0))
            .err()
            .unwrap(),
    );
    assert!(e.contains("`repeats`") && e.contains("repeat 2"), "{e}");
    let e = message(
        WasmTrainer::new(cfg, 1.0, IMAGES, LABELS, Some(-1.0))
            .err()
            .unwrap(),
    );
    assert!(e.contains("repeat"), "{e}");

    let mut t = WasmTrainer::new(r#"{"train": 32}"#, 1.0, IMAGES, LABELS, None).unwrap();
    for n in [-1.0, 0.5, f64::NAN] {
        let e = message(t.step(n).unwrap_err());
        assert!(e.contains("step"), "step({n}): {e}");
    }

    let e = message(web::config_to_query(r#"{"k": [0]}"#).unwrap_err());
    assert!(e.contains("`k`"), "{e}");
    assert_eq!(
        web::config_to_query(r#"{"k": [1, 2, 3], "lr0": 0.01}"#).unwrap(),
        "lr0=0.01&k=1-3"
    );

    assert!(message(web::experiment_runs_for("{", Some(100.0)).unwrap_err()).contains("json"));
    assert!(
        message(web::experiment_runs_for("{}", Some(2.0)).unwrap_err()).contains("experimentRuns")
    );
    assert!(message(web::experiment_runs_for("{}", Some(-3.0)).unwrap_err()).contains("nImages"));
    assert!(message(web::csv_from_runs("{").unwrap_err()).contains("csvFromRuns"));
}

#[wasm_bindgen_test]
fn bad_data_files_are_errors_naming_the_file() {
    let cfg = "{}";
    // A gzip stream cut short.
    let e = trainer_error(cfg, 1.0, &IMAGES[..1000], LABELS);
    assert!(e.starts_with("data:") && e.contains("images file"), "{e}");
    // A raw IDX header promising ten images, followed by far fewer bytes.
    let mut raw = vec![0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28];
    raw.extend([0u8; 100]);
    let e = trainer_error(cfg, 1.0, &raw, LABELS);
    assert!(e.contains("images file") && e.contains("truncated"), "{e}");
    // The two files swapped.
    let e = trainer_error(cfg, 1.0, LABELS, IMAGES);
    assert!(e.contains("images file") && e.contains("magic"), "{e}");
    // Nothing at all.
    let e = trainer_error(cfg, 1.0, &[], &[]);
    assert!(e.starts_with("data:"), "{e}");
    // Labels that disagree with the images on the count.
    let e = trainer_error(cfg, 1.0, IMAGES, &[0, 0, 8, 1, 0, 0, 0, 1, 7]);
    assert!(e.contains("count mismatch"), "{e}");
}

// ---- 4. the URL query -----------------------------------------------------------------

#[wasm_bindgen_test]
fn parse_query_keeps_the_good_and_reports_the_bad() {
    #[derive(Deserialize)]
    struct Parsed {
        config: serde_json::Value,
        errors: Vec<serde_json::Value>,
        query: String,
    }
    let text = web::parse_query(
        "?k=1-3&lr0=-5&x=steps&zzz=%3Cb%3E&epochs=4&preset=fig2&rule=cubic",
        "preset, x",
    );
    let p: Parsed = serde_json::from_str(&text).unwrap();
    assert_eq!(p.config["k"], serde_json::json!([1, 2, 3]));
    assert_eq!(p.config["epochs"], 4);
    assert_eq!(p.config["lr0"], 0.001, "a bad value keeps the default");
    assert_eq!(p.config["rule"], "linear");
    let params: Vec<&str> = p
        .errors
        .iter()
        .map(|e| e["param"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["lr0", "zzz", "rule"]);
    assert_eq!(
        p.errors[1]["value"], "<b>",
        "zzz's value is reported decoded"
    );
    assert!(p.errors[0]["message"].as_str().unwrap().contains("(0, 10]"));
    assert!(p.errors[1]["message"]
        .as_str()
        .unwrap()
        .contains("unknown parameter"));
    assert_eq!(p.query, "k=1-3&epochs=4");
    // The config it returns is accepted as is by the other entry points.
    let cfg = p.config.to_string();
    assert_eq!(web::config_to_query(&cfg).unwrap(), p.query);

    let p: Parsed = serde_json::from_str(&web::parse_query("", "")).unwrap();
    assert!(p.errors.is_empty() && p.query.is_empty());
    // Garbage never throws.
    for q in ["%%%", "&&==&", "=1", "k", "k=", "b0=full&b0=%ZZ"] {
        let p: Parsed = serde_json::from_str(&web::parse_query(q, ",,")).unwrap();
        assert!(p.config.is_object(), "{q}");
    }
}

// ---- the small helpers ---------------------------------------------------------------

#[wasm_bindgen_test]
fn tables_plans_csv_and_palette() {
    let rows: Vec<serde_json::Value> = serde_json::from_str(&web::params_table()).unwrap();
    let lr0 = rows.iter().find(|r| r["name"] == "lr0").expect("lr0 row");
    assert_eq!(lr0["default"], "0.001");
    assert!(rows
        .iter()
        .all(|r| ["csv", "help", "allowed"].iter().all(|k| r[k].is_string())));

    let b0 = rows.iter().find(|r| r["name"] == "b0").expect("b0 row");
    assert_eq!(
        (b0["kind"].as_str(), b0["special"].as_str()),
        (Some("int"), Some("full"))
    );
    let rule = rows.iter().find(|r| r["name"] == "rule").expect("rule row");
    assert_eq!(
        rule["choices"],
        serde_json::json!(["none", "linear", "sqrt", "sde"])
    );

    let plans: Vec<serde_json::Value> = serde_json::from_str(
        &web::experiment_runs_for(
            r#"{"k": [1, 4, 64], "train": 256, "lr0": 0.01}"#,
            Some(10000.0),
        )
        .unwrap(),
    )
    .unwrap();
    let batches: Vec<u64> = plans.iter().map(|p| p["batch"].as_u64().unwrap()).collect();
    assert_eq!(batches, [8, 32, 256], "capped by train = 256");
    assert_eq!(plans[2]["kEff"], 32.0);
    assert_eq!(plans[1]["stepsPerEpoch"], 8);
    assert_eq!(plans[1]["testSize"], 2000);

    let runs = r#"[{"run": 0, "config": {"k": [2]}, "records": [
        {"epoch": 1, "step": 5, "samples": 80, "lr": 0.002, "batch": 16, "trainLoss": 1.5,
         "testLoss": null, "testAcc": 0.5, "noiseScale": null, "wallMs": 12.5, "status": "diverged"}]}]"#;
    let text = web::csv_from_runs(runs).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    let col = |name: &str| {
        let i = header.iter().position(|h| h == name);
        &rows[0][i.unwrap_or_else(|| panic!("no column {name}: {header:?}"))]
    };
    assert_eq!(
        [col("run"), col("k"), col("batch"), col("status")],
        ["0", "2", "16", "diverged"]
    );
    assert_eq!(
        [col("test_loss"), col("noise_scale")],
        ["NaN", "NaN"],
        "null reads as NaN"
    );

    assert_eq!(web::palette(0, 2, None), "#0072b2");
    assert_eq!(web::palette(1, 2, None), "#e69f00");
    assert!(web::palette(19, 20, None).len() == 7 && web::palette(usize::MAX, 0, None).len() == 7);
}
