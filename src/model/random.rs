//! The `random` provider's resources, implemented by the tool itself since they need no
//! cloud: every argument forces a new value, and `keepers` exist only to do that.

use super::schema::{Attr, Block, Default, IdShape, ResourceSchema, Ty};

const KEEPERS: Attr = Attr::optional("keepers", Ty::Map).force_new();
const ID: Attr = Attr::computed("id", Ty::String);

/// `random_password` and `random_string` share their arguments; only the result's
/// sensitivity differs.
macro_rules! random_characters {
    ($type_name:literal, $result:expr) => {
        ResourceSchema {
            type_name: $type_name,
            id_shape: IdShape::Assigned,
            body: Block::new(
                "",
                &[
                    Attr::required("length", Ty::Number).force_new(),
                    Attr::optional("special", Ty::Bool)
                        .default_bool(true)
                        .force_new(),
                    Attr::optional("upper", Ty::Bool)
                        .default_bool(true)
                        .force_new(),
                    Attr::optional("lower", Ty::Bool)
                        .default_bool(true)
                        .force_new(),
                    Attr::optional("numeric", Ty::Bool)
                        .default_bool(true)
                        .force_new(),
                    Attr::optional("min_special", Ty::Number)
                        .default_int(0)
                        .force_new(),
                    Attr::optional("min_upper", Ty::Number)
                        .default_int(0)
                        .force_new(),
                    Attr::optional("min_lower", Ty::Number)
                        .default_int(0)
                        .force_new(),
                    Attr::optional("min_numeric", Ty::Number)
                        .default_int(0)
                        .force_new(),
                    Attr::optional("override_special", Ty::String).force_new(),
                    KEEPERS,
                    ID,
                    $result,
                ],
                &[],
            ),
        }
    };
}

/// `random_*` resources, sorted by name.
pub const RESOURCE_SCHEMAS: &[ResourceSchema] = &[
    ResourceSchema {
        type_name: "random_id",
        id_shape: IdShape::Assigned,
        body: Block::new(
            "",
            &[
                Attr::required("byte_length", Ty::Number).force_new(),
                Attr::optional("prefix", Ty::String).force_new(),
                KEEPERS,
                ID,
                Attr::computed("b64_url", Ty::String),
                Attr::computed("b64_std", Ty::String),
                Attr::computed("hex", Ty::String),
                Attr::computed("dec", Ty::String),
            ],
            &[],
        ),
    },
    ResourceSchema {
        type_name: "random_integer",
        id_shape: IdShape::Assigned,
        body: Block::new(
            "",
            &[
                Attr::required("min", Ty::Number).force_new(),
                Attr::required("max", Ty::Number).force_new(),
                Attr::optional("seed", Ty::String).force_new(),
                KEEPERS,
                ID,
                Attr::computed("result", Ty::Number),
            ],
            &[],
        ),
    },
    random_characters!(
        "random_password",
        Attr::computed("result", Ty::String).sensitive()
    ),
    ResourceSchema {
        type_name: "random_pet",
        id_shape: IdShape::Assigned,
        body: Block::new(
            "",
            &[
                Attr::optional("length", Ty::Number)
                    .default(Default::Int(2))
                    .force_new(),
                Attr::optional("prefix", Ty::String).force_new(),
                Attr::optional("separator", Ty::String)
                    .default_str("-")
                    .force_new(),
                KEEPERS,
                ID,
            ],
            &[],
        ),
    },
    random_characters!("random_string", Attr::computed("result", Ty::String)),
];
