//! JSON output: `{"rulebook":{"version","rules"},"documents":[{"file","pages","clauses","findings":[…],"error"}]}`.

use super::Report;

/// Renders the report as pretty JSON.
pub fn render(report: &Report) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
}
