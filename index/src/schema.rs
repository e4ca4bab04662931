//! The tantivy schema of the clause index and typed handles to its fields.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};

use crate::analysis::TOKENIZER_NAME;

/// Field names, shared by the schema, fast-field lookups and facet names.
pub mod names {
    pub const CLAUSE_ID: &str = "clause_id";
    pub const DOCUMENT_ID: &str = "document_id";
    pub const PROJECT_ID: &str = "project_id";
    pub const PAGE: &str = "page";
    pub const ORDINAL: &str = "ordinal";
    pub const AGENCY: &str = "agency";
    pub const YEAR: &str = "year";
    pub const METHOD: &str = "method";
    pub const PROCUREMENT_TYPE: &str = "procurement_type";
    pub const SECTION_KIND: &str = "section_kind";
    pub const SECTION: &str = "section";
    pub const TEXT: &str = "text";
}

/// Handles to every field of [`build_schema`].
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub clause_id: Field,
    pub document_id: Field,
    pub project_id: Field,
    pub page: Field,
    pub ordinal: Field,
    pub agency: Field,
    pub year: Field,
    pub method: Field,
    pub procurement_type: Field,
    pub section_kind: Field,
    pub section: Field,
    pub text: Field,
}

/// Builds the schema. Any change here makes existing on-disk indexes fail the schema check in
/// `open_or_create`, which is what we want: the caller then rebuilds from the database.
pub fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Ids: indexed for delete-by-term and filters, fast for sorting and id listing.
    let id = NumericOptions::default()
        .set_indexed()
        .set_fast()
        .set_stored();
    let clause_id = b.add_i64_field(names::CLAUSE_ID, id.clone());
    let document_id = b.add_i64_field(names::DOCUMENT_ID, id.clone());
    let project_id = b.add_i64_field(names::PROJECT_ID, id);
    let page = b.add_u64_field(names::PAGE, STORED);
    let ordinal = b.add_u64_field(names::ORDINAL, STORED);
    // Facets: exact-match terms (filters) + fast columns (facet counting).
    let facet = STRING | FAST | STORED;
    let agency = b.add_text_field(names::AGENCY, facet.clone());
    let year = b.add_i64_field(names::YEAR, INDEXED | FAST | STORED);
    let method = b.add_text_field(names::METHOD, facet.clone());
    let procurement_type = b.add_text_field(names::PROCUREMENT_TYPE, facet.clone());
    let section_kind = b.add_text_field(names::SECTION_KIND, facet);
    let section = b.add_text_field(names::SECTION, STORED);
    let text_options = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let text = b.add_text_field(names::TEXT, text_options);
    let fields = Fields {
        clause_id,
        document_id,
        project_id,
        page,
        ordinal,
        agency,
        year,
        method,
        procurement_type,
        section_kind,
        section,
        text,
    };
    (b.build(), fields)
}
