//! `glasses classify`: classify files and folders and report each file's result.

use std::borrow::Cow;

use anyhow::Context;
use serde::Serialize;

use crate::args::{ClassifyArgs, ClassifyFormat};
use crate::batch::{self, Outcome};
use crate::errors::{self, Status};
use crate::output::{self, Destination};
use crate::{inputs, model};

pub fn run(args: &ClassifyArgs) -> anyhow::Result<Status> {
    let destination = Destination::new(args.output.as_deref(), args.force);
    destination.check()?;
    let files = inputs::collect(&args.inputs())?;
    let classifier = model::load(&args.model, args.run.threshold)?;
    let outcomes = batch::classify(&classifier, files, &args.run)?;
    destination.write(&render(&outcomes, args.format)?)?;

    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let with_glasses = outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|p| p.has_glasses)).count();
    let summary = format!(
        "{} images: {with_glasses} with eyeglasses, {} without, {failed} failed",
        outcomes.len(),
        outcomes.len() - with_glasses - failed
    );
    errors::warn(&summary);
    Ok(Status::from_failures(failed))
}

/// The results in `format`, in the order of `outcomes`.
pub fn render(outcomes: &[Outcome], format: ClassifyFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        ClassifyFormat::Table => Ok(render_table(outcomes).into_bytes()),
        ClassifyFormat::Json => render_json(outcomes),
        ClassifyFormat::Csv => render_csv(outcomes),
    }
}

fn render_table(outcomes: &[Outcome]) -> String {
    let header = ["PATH", "GLASSES", "P(GLASSES)"].map(str::to_owned).to_vec();
    let rows = outcomes.iter().map(|o| {
        let path = o.path.display().to_string();
        match &o.result {
            Ok(p) => vec![path, yes_no(p.has_glasses).to_owned(), format!("{:.4}", p.probability)],
            Err(e) => vec![path, "error".to_owned(), e.clone()],
        }
    });
    output::table(&std::iter::once(header).chain(rows).collect::<Vec<_>>())
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// One element of the JSON array; `untagged` gives the two shapes the format promises.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonRow<'a> {
    Classified { path: Cow<'a, str>, has_glasses: bool, probability: f32 },
    Failed { path: Cow<'a, str>, error: &'a str },
}

fn render_json(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<JsonRow<'_>> = outcomes
        .iter()
        .map(|o| {
            let path = o.path.to_string_lossy();
            match &o.result {
                Ok(p) => JsonRow::Classified { path, has_glasses: p.has_glasses, probability: p.probability },
                Err(error) => JsonRow::Failed { path, error },
            }
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&rows).context("cannot encode the results as JSON")?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn render_csv(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["path", "has_glasses", "probability", "error"])?;
    for o in outcomes {
        let path = o.path.to_string_lossy();
        match &o.result {
            Ok(p) => {
                writer.write_record([&*path, &p.has_glasses.to_string(), &p.probability.to_string(), ""])?
            }
            Err(e) => writer.write_record([&*path, "", "", e.as_str()])?,
        }
    }
    writer.into_inner().context("cannot encode the results as CSV")
}

#[cfg(test)]
mod tests {
    use super::*;
    use glasses_core::Prediction;

    fn outcomes() -> Vec<Outcome> {
        vec![
            Outcome { path: "a.png".into(), result: Ok(Prediction { has_glasses: true, probability: 0.75 }) },
            Outcome { path: "b, c.jpg".into(), result: Err("invalid image: truncated".to_owned()) },
        ]
    }

    #[test]
    fn json_has_one_shape_per_outcome() -> anyhow::Result<()> {
        let value: serde_json::Value = serde_json::from_slice(&render(&outcomes(), ClassifyFormat::Json)?)?;
        assert_eq!(
            value,
            serde_json::json!([
                {"path": "a.png", "has_glasses": true, "probability": 0.75},
                {"path": "b, c.jpg", "error": "invalid image: truncated"},
            ])
        );
        Ok(())
    }

    #[test]
    fn csv_quotes_and_leaves_missing_fields_empty() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&outcomes(), ClassifyFormat::Csv)?)?;
        assert_eq!(
            text,
            "path,has_glasses,probability,error\na.png,true,0.75,\n\"b, c.jpg\",,,invalid image: truncated\n"
        );
        Ok(())
    }

    #[test]
    fn table_shows_errors_in_place() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&outcomes(), ClassifyFormat::Table)?)?;
        assert_eq!(
            text,
            "PATH      GLASSES  P(GLASSES)\na.png     yes      0.7500\nb, c.jpg  error    invalid image: truncated\n"
        );
        Ok(())
    }
}
