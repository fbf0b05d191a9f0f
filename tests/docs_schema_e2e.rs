//! The documentation agrees with the schema real Terraform reads from the
//! provider (`terraform providers schema -json`, Terraform on PATH, the
//! provider installed through the filesystem mirror like every e2e test).
//!
//! 1. Every attribute and block of the provider, each resource and each data
//!    source (nested blocks included) has a description, sent as markdown,
//!    that reads as markdown: balanced code spans, no raw HTML, no doubled
//!    spaces from a broken string continuation, a full stop at the end.
//! 2. Each has its page in the Terraform Registry layout: `docs/index.md`,
//!    `docs/resources/<name>.md`, `docs/data-sources/<name>.md` (the name
//!    without `workspaces_`), and no page documents a type the provider does
//!    not serve. Each page has front matter (`page_title`, `subcategory`,
//!    `description`), `## Example Usage` (with a block using the page's
//!    type), `## Argument Reference` and `## Timeouts`; resource and data
//!    source pages `## Attribute Reference`; resource pages and the provider
//!    page `## Import` (resource pages with an `import` block and a
//!    `terraform import` command for their type).
//! 3. The reference sections list exactly the schema, by this convention:
//!    - An entry is a bullet at the start of a line, `* ` or `- `, followed
//!      by the name in backticks: `` * `image_id` - (Required) ... ``.
//!    - `## Argument Reference` lists every argument (required or optional
//!      attribute) and every block of the schema's top level. An argument's
//!      entry starts, after the name and a dash, with a parenthesis holding
//!      `Required` or `Optional`, as the schema says (a block is required
//!      when it needs at least one item).
//!    - `## Attribute Reference` lists every computed-only attribute.
//!    - A nested block's attributes are listed under a `###` sub-heading of
//!      the section whose first word is the block's name (backticks
//!      allowed), e.g. `### assume_role Configuration Block`; `####` for a
//!      block in that block. Any other sub-heading in a reference section is
//!      an error, as is an indented entry (nesting is by sub-heading only).
//!    - The attributes of the `timeouts` block are listed in `## Timeouts`
//!      (their entries need no Required/Optional; all are optional).
//!
//!    A schema name missing from its page, a documented name the schema does
//!    not have, one listed in the wrong section, listed twice or marked
//!    Required/Optional wrongly, fails the test with every such problem.
//! 4. Every `terraform`/`hcl` code block of the pages and of the examples'
//!    READMEs, and every `.tf` file of `examples/`, is what `terraform fmt`
//!    would write (which also means it parses).
//!
//! `the_checker_finds_each_kind_of_disagreement` runs the checks on a small
//! made-up schema and page, so each rule is seen to fail when it should.

use crate::common;

use crate::common::Workdir;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

const PREFIX: &str = "workspaces_";

// ---------------------------------------------------------------------------
// The schema, as Terraform reports it.

#[derive(Debug, Clone, Default)]
struct SchemaAttr {
    required: bool,
    optional: bool,
    description: String,
    kind: String,
}

#[derive(Debug, Clone, Default)]
struct SchemaBlock {
    description: String,
    kind: String,
    attributes: BTreeMap<String, SchemaAttr>,
    /// Nested blocks with their `min_items`.
    blocks: BTreeMap<String, (u64, SchemaBlock)>,
}

impl SchemaBlock {
    fn from_json(j: &Json) -> SchemaBlock {
        let text = |v: &Json, k: &str| v[k].as_str().unwrap_or_default().to_string();
        let flag = |v: &Json, k: &str| v[k].as_bool().unwrap_or(false);
        let attributes = j["attributes"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(name, a)| {
                        let attr = SchemaAttr {
                            required: flag(a, "required"),
                            optional: flag(a, "optional"),
                            description: text(a, "description"),
                            kind: text(a, "description_kind"),
                        };
                        (name.clone(), attr)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let blocks = j["block_types"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(name, b)| {
                        let min = b["min_items"].as_u64().unwrap_or(0);
                        (name.clone(), (min, SchemaBlock::from_json(&b["block"])))
                    })
                    .collect()
            })
            .unwrap_or_default();
        SchemaBlock {
            description: text(j, "description"),
            kind: text(j, "description_kind"),
            attributes,
            blocks,
        }
    }
}

/// The provider's schema, its resources' and its data sources'.
struct ProviderSchema {
    provider: SchemaBlock,
    resources: BTreeMap<String, SchemaBlock>,
    data_sources: BTreeMap<String, SchemaBlock>,
}

fn schema() -> &'static ProviderSchema {
    static SCHEMA: OnceLock<ProviderSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let began = Instant::now();
        let terraform = common::terraform_on_path();
        let wd = Workdir::new(&terraform);
        wd.init(&format!(
            "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{}\" }}\n  }}\n}}\n",
            common::SOURCE
        ));
        let out = wd.ok(&["providers", "schema", "-json"]);
        let json: Json = serde_json::from_str(&out).expect("providers schema -json");
        let ours = &json["provider_schemas"][common::SOURCE];
        assert!(ours.is_object(), "no schema for {}:\n{out}", common::SOURCE);
        let types = |key: &str| -> BTreeMap<String, SchemaBlock> {
            ours[key]
                .as_object()
                .unwrap_or_else(|| panic!("{key} missing"))
                .iter()
                .map(|(k, v)| (k.clone(), SchemaBlock::from_json(&v["block"])))
                .collect()
        };
        let schema = ProviderSchema {
            provider: SchemaBlock::from_json(&ours["provider"]["block"]),
            resources: types("resource_schemas"),
            data_sources: types("data_source_schemas"),
        };
        eprintln!(
            "{}: providers schema -json in {:.1} s",
            terraform.version,
            began.elapsed().as_secs_f64()
        );
        schema
    })
}

// ---------------------------------------------------------------------------
// Descriptions.

/// What is wrong with one description, if anything.
fn description_problem(text: &str, kind: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("has no description".into());
    }
    if kind != "markdown" {
        return Some(format!(
            "description_kind is {kind:?}, not \"markdown\" (the descriptions are written in markdown)"
        ));
    }
    if text != text.trim() {
        return Some(format!(
            "description has leading or trailing space: {text:?}"
        ));
    }
    if text.contains("  ") || text.contains('\n') {
        return Some(format!(
            "description has a doubled space or a line break (a broken string continuation?): {text:?}"
        ));
    }
    if text.matches('`').count() % 2 != 0 {
        return Some(format!("description has an unclosed code span: {text:?}"));
    }
    // Outside code spans, `<` starts raw HTML in markdown.
    let prose: String = text.split('`').step_by(2).collect();
    if prose.contains('<') {
        return Some(format!(
            "description has `<` outside a code span (raw HTML in markdown): {text:?}"
        ));
    }
    if !text.ends_with('.') {
        return Some(format!(
            "description does not end with a full stop: {text:?}"
        ));
    }
    None
}

/// Every description problem under `block`, each with its path; counts
/// the attributes and blocks looked at.
fn description_problems(
    path: &str,
    block: &SchemaBlock,
    counts: &mut (usize, usize),
    out: &mut Vec<String>,
) {
    counts.1 += 1;
    if let Some(p) = description_problem(&block.description, &block.kind) {
        out.push(format!("{path} (block): {p}"));
    }
    for (name, a) in &block.attributes {
        counts.0 += 1;
        if let Some(p) = description_problem(&a.description, &a.kind) {
            out.push(format!("{path}.{name}: {p}"));
        }
    }
    for (name, (_, b)) in &block.blocks {
        description_problems(&format!("{path}.{name}"), b, counts, out);
    }
}

#[test]
fn every_attribute_and_block_has_a_markdown_description() {
    let s = schema();
    let mut problems = Vec::new();
    let mut counts = (0, 0);
    description_problems("provider", &s.provider, &mut counts, &mut problems);
    for (name, b) in &s.resources {
        description_problems(name, b, &mut counts, &mut problems);
    }
    for (name, b) in &s.data_sources {
        description_problems(&format!("data.{name}"), b, &mut counts, &mut problems);
    }
    eprintln!(
        "descriptions checked: {} attributes, {} blocks (provider, {} resources, {} data sources, nested blocks)",
        counts.0,
        counts.1,
        s.resources.len(),
        s.data_sources.len()
    );
    assert!(counts.0 >= 30, "too few attributes seen: {counts:?}");
    assert!(
        problems.is_empty(),
        "{} description problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// Pages.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Arguments,
    Attributes,
    Timeouts,
}

impl Section {
    fn heading(self) -> &'static str {
        match self {
            Section::Arguments => "## Argument Reference",
            Section::Attributes => "## Attribute Reference",
            Section::Timeouts => "## Timeouts",
        }
    }
}

/// One documented name.
#[derive(Debug, Clone)]
struct Entry {
    section: Section,
    /// `name`, or `block.name` for a nested block's attribute.
    path: String,
    /// The text after the name.
    rest: String,
    line: usize,
}

#[derive(Debug, Clone)]
struct Fence {
    /// How far the opening line is indented.
    indent: usize,
    lang: String,
    line: usize,
    text: String,
}

#[derive(Debug, Default)]
struct Page {
    front_matter: BTreeMap<String, String>,
    /// `##` headings, trimmed.
    sections: Vec<String>,
    entries: Vec<Entry>,
    /// Fenced code blocks, each with the `##` section it is in.
    fences: Vec<(String, Fence)>,
    /// Problems found while reading the page.
    problems: Vec<String>,
}

/// The first word of a heading's text, backticks removed.
fn heading_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches('`')
        .to_string()
}

/// `` `name` rest `` after a bullet marker: the name and the rest.
fn entry_name(after_marker: &str) -> Option<(String, String)> {
    let s = after_marker.strip_prefix('`')?;
    let end = s.find('`')?;
    Some((s[..end].to_string(), s[end + 1..].trim().to_string()))
}

/// Reads a page by the convention in the module documentation. `schema`
/// names the blocks that sub-headings may open.
fn parse_page(text: &str, schema: &SchemaBlock) -> Page {
    let mut page = Page::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    if lines.first() == Some(&"---") {
        i = 1;
        while i < lines.len() && lines[i] != "---" {
            let line = lines[i];
            if !line.starts_with(' ') {
                if let Some((k, v)) = line.split_once(':') {
                    let mut v = v.trim().trim_matches('"').to_string();
                    if v == "|-" || v == "|" {
                        let mut body = Vec::new();
                        while i + 1 < lines.len() && lines[i + 1].starts_with(' ') {
                            i += 1;
                            body.push(lines[i].trim());
                        }
                        v = body.join(" ");
                    }
                    page.front_matter.insert(k.trim().to_string(), v);
                }
            }
            i += 1;
        }
        if i >= lines.len() {
            page.problems
                .push("front matter is not closed by `---`".into());
        }
        i += 1;
    } else {
        page.problems
            .push("no front matter (`---` lines with page_title, subcategory, description)".into());
    }
    let mut section: Option<Section> = None;
    let mut section_name = String::new();
    // The block path a sub-heading opened, one element per heading level
    // below `##`.
    let mut block_path: Vec<String> = Vec::new();
    let mut fence: Option<Fence> = None;
    while i < lines.len() {
        let line = lines[i];
        let n = i + 1;
        i += 1;
        if let Some(f) = fence.as_mut() {
            if line.trim_start().starts_with("```") {
                let done = fence.take().expect("open fence");
                page.fences.push((section_name.clone(), done));
            } else {
                // A fence inside a list item is indented; so are its lines.
                let indent = line.len() - line.trim_start_matches(' ').len();
                f.text.push_str(&line[indent.min(f.indent)..]);
                f.text.push('\n');
            }
            continue;
        }
        if let Some(lang) = line.trim_start().strip_prefix("```") {
            fence = Some(Fence {
                indent: line.len() - line.trim_start().len(),
                lang: lang.trim().to_string(),
                line: n,
                text: String::new(),
            });
            continue;
        }
        if line.starts_with('#') {
            let level = line.chars().take_while(|c| *c == '#').count();
            let title = line[level..].trim();
            if level == 2 {
                section_name = title.to_string();
                page.sections.push(title.to_string());
                section = match title {
                    "Argument Reference" => Some(Section::Arguments),
                    "Attribute Reference" => Some(Section::Attributes),
                    "Timeouts" => Some(Section::Timeouts),
                    _ => None,
                };
                block_path.clear();
            } else if level > 2 && matches!(section, Some(Section::Arguments | Section::Attributes))
            {
                let depth = level - 3;
                if depth > block_path.len() {
                    page.problems.push(format!(
                        "line {n}: heading {line:?} skips a level inside {:?}",
                        section_name
                    ));
                    continue;
                }
                block_path.truncate(depth);
                let mut within = schema;
                for b in &block_path {
                    within = &within.blocks[b].1;
                }
                let word = heading_word(title);
                if within.blocks.contains_key(&word) {
                    block_path.push(word);
                } else {
                    page.problems.push(format!(
                        "line {n}: sub-heading {line:?} in {section_name:?} names no block of the \
                         schema (a reference section's sub-headings are for nested blocks only)"
                    ));
                    // Entries under it are not taken for the enclosing block.
                    section = None;
                }
            }
            continue;
        }
        let Some(sec) = section else { continue };
        let trimmed = line.trim_start();
        let marker = trimmed
            .strip_prefix("* ")
            .or_else(|| trimmed.strip_prefix("- "));
        let Some(after) = marker else { continue };
        let Some((name, rest)) = entry_name(after) else {
            continue;
        };
        if trimmed.len() != line.len() {
            page.problems.push(format!(
                "line {n}: indented entry `{name}` in {section_name:?}: list a nested block's \
                 attributes under a `### <block> Configuration Block` sub-heading instead"
            ));
            continue;
        }
        let path = match sec {
            Section::Timeouts => format!("timeouts.{name}"),
            _ if block_path.is_empty() => name,
            _ => format!("{}.{name}", block_path.join(".")),
        };
        page.entries.push(Entry {
            section: sec,
            path,
            rest,
            line: n,
        });
    }
    if let Some(f) = fence {
        page.problems
            .push(format!("line {}: code block never closed", f.line));
    }
    page
}

/// Where each name of `block` belongs: (section, path, Some(required) for
/// an argument).
fn expected(block: &SchemaBlock, prefix: &str, out: &mut Vec<(Section, String, Option<bool>)>) {
    let in_timeouts = prefix == "timeouts.";
    for (name, a) in &block.attributes {
        let path = format!("{prefix}{name}");
        if in_timeouts {
            out.push((Section::Timeouts, path, None));
        } else if a.required || a.optional {
            out.push((Section::Arguments, path, Some(a.required)));
        } else {
            out.push((Section::Attributes, path, None));
        }
    }
    for (name, (min, b)) in &block.blocks {
        out.push((
            Section::Arguments,
            format!("{prefix}{name}"),
            Some(*min > 0),
        ));
        expected(b, &format!("{prefix}{name}."), out);
    }
}

/// What kind of thing a page documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Provider,
    Resource,
    DataSource,
}

/// Every disagreement between `page` (read from `text`) and the schema of
/// `type_name`; the number of entries checked.
fn check_page(
    kind: Kind,
    type_name: &str,
    block: &SchemaBlock,
    text: &str,
) -> (Vec<String>, usize) {
    let page = parse_page(text, block);
    let mut problems = page.problems.clone();
    for key in ["page_title", "subcategory", "description"] {
        match page.front_matter.get(key) {
            None => problems.push(format!("front matter has no `{key}`")),
            Some(v) if v.is_empty() && key != "subcategory" => {
                problems.push(format!("front matter `{key}` is empty"))
            }
            _ => {}
        }
    }
    let mut required_sections = vec!["Example Usage", "Argument Reference", "Timeouts"];
    match kind {
        Kind::Provider => required_sections.push("Import"),
        Kind::Resource => required_sections.extend(["Attribute Reference", "Import"]),
        Kind::DataSource => required_sections.push("Attribute Reference"),
    }
    for s in &required_sections {
        let count = page.sections.iter().filter(|t| t == s).count();
        if count != 1 {
            problems.push(format!("has {count} `## {s}` sections; wants one"));
        }
    }
    // The example shows the page's own type.
    let usage = match kind {
        Kind::Provider => "provider \"workspaces\"".to_string(),
        Kind::Resource => format!("resource \"{type_name}\""),
        Kind::DataSource => format!("data \"{type_name}\""),
    };
    let is_hcl = |f: &Fence| matches!(f.lang.as_str(), "terraform" | "hcl" | "tf");
    if !page
        .fences
        .iter()
        .any(|(s, f)| s == "Example Usage" && is_hcl(f) && f.text.contains(&usage))
    {
        problems.push(format!(
            "`## Example Usage` has no ```terraform block with `{usage}`"
        ));
    }
    if kind == Kind::Resource {
        let import = page.fences.iter().filter(|(s, _)| s == "Import");
        let (mut block_ok, mut command_ok) = (false, false);
        for (_, f) in import {
            block_ok |= is_hcl(f)
                && f.text.contains("import {")
                && f.text.contains(&format!("to = {type_name}."));
            command_ok |= f.text.contains(&format!("terraform import {type_name}."));
        }
        if !block_ok {
            problems.push(format!(
                "`## Import` has no ```terraform `import` block with `to = {type_name}.`"
            ));
        }
        if !command_ok {
            problems.push(format!(
                "`## Import` has no `terraform import {type_name}.` command"
            ));
        }
    }

    let mut want = Vec::new();
    expected(block, "", &mut want);
    let mut seen: BTreeMap<(Section, String), usize> = BTreeMap::new();
    for e in &page.entries {
        if let Some(first) = seen.insert((e.section, e.path.clone()), e.line) {
            problems.push(format!(
                "line {}: `{}` listed again in `{}` (first on line {first})",
                e.line,
                e.path,
                e.section.heading()
            ));
        }
        match want.iter().find(|(_, p, _)| *p == e.path) {
            None => problems.push(format!(
                "line {}: `{}` is documented in `{}` but is not in the schema",
                e.line,
                e.path,
                e.section.heading()
            )),
            Some((s, _, _)) if *s != e.section => problems.push(format!(
                "line {}: `{}` is documented in `{}` but belongs in `{}`",
                e.line,
                e.path,
                e.section.heading(),
                s.heading()
            )),
            Some((_, _, Some(required))) => {
                let marks = e
                    .rest
                    .trim_start_matches(['-', '—', '–', ' '])
                    .strip_prefix('(')
                    .and_then(|r| r.split_once(')'))
                    .map(|(inside, _)| inside.to_string());
                let (want_word, other) = if *required {
                    ("Required", "Optional")
                } else {
                    ("Optional", "Required")
                };
                match marks {
                    Some(m) if m.contains(want_word) && !m.contains(other) => {}
                    Some(m) => problems.push(format!(
                        "line {}: `{}` is marked ({m}) but the schema says {want_word}",
                        e.line, e.path
                    )),
                    None => problems.push(format!(
                        "line {}: `{}` should start with `({want_word})` after the name",
                        e.line, e.path
                    )),
                }
            }
            Some(_) => {}
        }
    }
    for (s, p, _) in &want {
        if !page.entries.iter().any(|e| e.section == *s && e.path == *p) {
            problems.push(format!("`{p}` (schema) is missing from `{}`", s.heading()));
        }
    }
    (problems, page.entries.len())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `.md` files directly in `dir`, by name without extension.
fn pages_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "md" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn docs_pages_match_the_schema() {
    let s = schema();
    let docs = common::repo().join("docs");
    let mut problems = Vec::new();
    let mut entries = 0;
    let mut pages = 0;
    let mut check = |kind: Kind, type_name: &str, block: &SchemaBlock, path: PathBuf| {
        let rel = path
            .strip_prefix(common::repo())
            .unwrap_or(&path)
            .display()
            .to_string();
        if !path.is_file() {
            problems.push(format!("{rel}: no page for {type_name}"));
            return;
        }
        let (found, n) = check_page(kind, type_name, block, &read(&path));
        problems.extend(found.into_iter().map(|p| format!("{rel}: {p}")));
        entries += n;
        pages += 1;
    };
    check(
        Kind::Provider,
        "workspaces",
        &s.provider,
        docs.join("index.md"),
    );
    for (name, block) in &s.resources {
        let short = name.strip_prefix(PREFIX).expect("resource name prefix");
        check(
            Kind::Resource,
            name,
            block,
            docs.join(format!("resources/{short}.md")),
        );
    }
    for (name, block) in &s.data_sources {
        let short = name.strip_prefix(PREFIX).expect("data source name prefix");
        check(
            Kind::DataSource,
            name,
            block,
            docs.join(format!("data-sources/{short}.md")),
        );
    }
    for (dir, types) in [
        ("resources", &s.resources),
        ("data-sources", &s.data_sources),
    ] {
        for page in pages_in(&docs.join(dir)) {
            if !types.contains_key(&format!("{PREFIX}{page}")) {
                problems.push(format!(
                    "docs/{dir}/{page}.md documents {PREFIX}{page}, which the provider does not serve"
                ));
            }
        }
    }
    eprintln!("doc entries checked: {entries} on {pages} pages");
    assert_eq!(pages, 1 + s.resources.len() + s.data_sources.len());
    assert!(
        problems.is_empty(),
        "{} disagreement(s) between docs/ and the schema:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// HCL in the docs and the examples.

#[test]
fn hcl_in_docs_and_examples_is_terraform_fmt_clean() {
    let terraform = common::terraform_on_path();
    let repo = common::repo();
    let blocks = tempfile::tempdir().expect("tempdir");
    let mut markdown: Vec<PathBuf> = vec![repo.join("docs/index.md")];
    for dir in ["docs/resources", "docs/data-sources"] {
        markdown.extend(
            pages_in(&repo.join(dir))
                .into_iter()
                .map(|p| repo.join(dir).join(format!("{p}.md"))),
        );
    }
    let mut example_dirs = Vec::new();
    for e in std::fs::read_dir(repo.join("examples")).expect("examples/") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            if p.join("README.md").is_file() {
                markdown.push(p.join("README.md"));
            }
            example_dirs.push(p);
        }
    }
    let mut written = 0;
    for md in &markdown {
        let page = parse_page(&read(md), &SchemaBlock::default());
        let rel = md.strip_prefix(&repo).unwrap_or(md);
        let stem = rel.display().to_string().replace(['/', '.', '-'], "_");
        for (_, f) in page.fences {
            if matches!(f.lang.as_str(), "terraform" | "hcl" | "tf") {
                std::fs::write(
                    blocks.path().join(format!("{stem}__line_{}.tf", f.line)),
                    &f.text,
                )
                .expect("write block");
                written += 1;
            }
        }
    }
    // The work directory gives Terraform a CLI configuration and a clean
    // environment; fmt itself needs neither provider nor network.
    let wd = Workdir::new(&terraform);
    let fmt = |dir: &Path| -> (bool, String) {
        let dir = dir.display().to_string();
        let out = wd.run(&["fmt", "-check", "-diff", "-no-color", "-recursive", &dir]);
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = fmt(blocks.path());
    assert!(
        ok,
        "code blocks that `terraform fmt` would change or cannot parse (file names are \
         <page>__line_<fence line>.tf):\n{text}"
    );
    let (ok, text) = fmt(&repo.join("examples"));
    assert!(ok, "examples/ is not `terraform fmt` clean:\n{text}");
    eprintln!(
        "terraform fmt: {written} code blocks from {} markdown files, {} example directories and examples/main.tf",
        markdown.len(),
        example_dirs.len()
    );
    assert!(written >= 10, "only {written} code blocks found");
}

// ---------------------------------------------------------------------------
// The checker itself.

#[test]
fn the_checker_finds_each_kind_of_disagreement() {
    let attr = |required: bool, computed: bool| SchemaAttr {
        required,
        optional: !required && !computed,
        description: "Something.".into(),
        kind: "markdown".into(),
    };
    let mut timeouts = SchemaBlock::default();
    timeouts
        .attributes
        .insert("create".into(), attr(false, false));
    timeouts
        .attributes
        .insert("delete".into(), attr(false, false));
    let mut nested = SchemaBlock::default();
    nested.attributes.insert("inner".into(), attr(true, false));
    let mut block = SchemaBlock::default();
    block.attributes.insert("id".into(), attr(false, true));
    block
        .attributes
        .insert("image_id".into(), attr(true, false));
    block.attributes.insert("note".into(), attr(false, false));
    block.attributes.insert("gone".into(), attr(false, false));
    block.blocks.insert("timeouts".into(), (0, timeouts));
    block.blocks.insert("settings".into(), (0, nested));

    let good = "---\npage_title: \"x\"\nsubcategory: \"\"\ndescription: |-\n  X.\n---\n\n# x\n\n\
                ## Example Usage\n\n```terraform\nresource \"workspaces_x\" \"a\" {}\n```\n\n\
                ## Argument Reference\n\n* `image_id` - (Required) A.\n* `note` - (Optional) B.\n\
                * `gone` - (Optional) C.\n* `settings` - (Optional, Block) D.\n\
                * `timeouts` - (Optional) E.\n\n### settings Configuration Block\n\n\
                * `inner` - (Required) F.\n\n## Attribute Reference\n\n* `id` - G.\n\n\
                ## Timeouts\n\n* `create` - (Default `5m`) H.\n* `delete` - (Default `5m`) I.\n\n\
                ## Import\n\n```terraform\nimport {\n  to = workspaces_x.a\n  id = \"1\"\n}\n```\n\n\
                ```console\n% terraform import workspaces_x.a 1\n```\n";
    let (problems, entries) = check_page(Kind::Resource, "workspaces_x", &block, good);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(entries, 9);

    let bad = good
        // a schema attribute left out
        .replace("* `gone` - (Optional) C.\n", "")
        // a name the schema does not have
        .replace(
            "* `note` - (Optional) B.",
            "* `note` - (Optional) B.\n* `made_up` - (Optional) H.",
        )
        // Required/Optional wrong, and missing
        .replace("* `note` - (Optional) B.", "* `note` - (Required) B.")
        .replace("* `inner` - (Required) F.", "* `inner` - F.")
        // a computed attribute among the arguments
        .replace(
            "* `image_id` - (Required) A.",
            "* `image_id` - (Required) A.\n* `id` - (Optional) again.",
        )
        // a timeout the schema does not have; a sub-heading naming no block
        .replace(
            "* `delete` - (Default `5m`) I.",
            "* `delete` - I.\n* `read` - J.",
        )
        .replace(
            "## Attribute Reference\n",
            "## Attribute Reference\n\n### Notes\n",
        )
        // no import command
        .replace(
            "% terraform import workspaces_x.a 1",
            "% terraform state list",
        );
    let (problems, _) = check_page(Kind::Resource, "workspaces_x", &block, &bad);
    let text = problems.join("\n");
    for wanted in [
        "`gone` (schema) is missing from `## Argument Reference`",
        "`made_up` is documented in `## Argument Reference` but is not in the schema",
        "`note` is marked (Required) but the schema says Optional",
        "`settings.inner` should start with `(Required)`",
        "`id` is documented in `## Argument Reference` but belongs in `## Attribute Reference`",
        "`timeouts.read` is documented in `## Timeouts` but is not in the schema",
        "sub-heading \"### Notes\"",
        "no `terraform import workspaces_x.` command",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }
    // After `### Notes`, the attribute list is not taken for the section,
    // so `id` is reported missing too.
    assert!(
        text.contains("`id` (schema) is missing from `## Attribute Reference`"),
        "{text}"
    );

    let no_front = good.split_once("---\n\n").expect("front matter").1;
    let (problems, _) = check_page(Kind::Resource, "workspaces_x", &block, no_front);
    assert!(
        problems.iter().any(|p| p.contains("no front matter")),
        "{problems:#?}"
    );
    let no_timeouts = good.replace("## Timeouts", "## Time limits");
    let (problems, _) = check_page(Kind::Resource, "workspaces_x", &block, &no_timeouts);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("has 0 `## Timeouts` sections")),
        "{problems:#?}"
    );
    let indented = good.replace("* `inner` - (Required) F.", "  * `inner` - (Required) F.");
    let (problems, _) = check_page(Kind::Resource, "workspaces_x", &block, &indented);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("indented entry `inner`")),
        "{problems:#?}"
    );

    assert_eq!(
        description_problem("", "markdown").as_deref(),
        Some("has no description")
    );
    for bad in [
        "Plain.",
        "Unclosed `code.",
        "Raw <b>html</b>.",
        "Doubled  space.",
        "No stop",
    ] {
        let kind = if bad == "Plain." { "plain" } else { "markdown" };
        assert!(description_problem(bad, kind).is_some(), "{bad}");
    }
    assert!(description_problem("Fine, `<image_id>/<account>`.", "markdown").is_none());
}
