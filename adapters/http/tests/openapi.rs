//! The OpenAPI document: 3.1, every operation with its errors as problems, every path parameter
//! declared, and the routes served are the routes documented (they come from one list).

use std::collections::BTreeSet;

#[test]
fn the_document_describes_every_operation_fully() {
    let doc = serde_json::to_value(booking_http::openapi()).unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap(), "3.1.0");
    // Readers of the API have no specification to look sections up in: it says what it means.
    assert!(!doc.to_string().contains('§'), "the document cites a section of the specification");
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    let mut ids = BTreeSet::new();
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        let declared_in_path: BTreeSet<&str> =
            path.split('{').skip(1).filter_map(|p| p.split('}').next()).collect();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{name}: operationId unique"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{name}: a success answer");
            let problem = &responses["4XX"]["content"]["application/problem+json"];
            assert!(problem.is_object(), "{name}: errors are documented as problems");
            let params: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(params, declared_in_path, "{name}: path parameters");
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{name}: described"
            );
        }
    }
    assert!(operations >= 45, "{operations} operations");
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
}
