//! Schemas as the provider defines them, shared by the provider core and
//! every resource; the protocol adapters turn these into tfplugin5/6 messages
//! and the codec derives value types from them.

use crate::value::Type;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// A change to this attribute cannot be made in place: Terraform plans
    /// to destroy and re-create. Provider-side only, never on the wire.
    pub requires_replace: bool,
}

impl Attribute {
    fn new(name: &'static str, ty: Type, description: &'static str) -> Attribute {
        Attribute {
            name,
            ty,
            description,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            requires_replace: false,
        }
    }

    pub fn required(name: &'static str, ty: Type, description: &'static str) -> Attribute {
        Attribute {
            required: true,
            ..Attribute::new(name, ty, description)
        }
    }

    pub fn optional(name: &'static str, ty: Type, description: &'static str) -> Attribute {
        Attribute {
            optional: true,
            ..Attribute::new(name, ty, description)
        }
    }

    pub fn computed(name: &'static str, ty: Type, description: &'static str) -> Attribute {
        Attribute {
            computed: true,
            ..Attribute::new(name, ty, description)
        }
    }

    pub fn requires_replace(mut self) -> Attribute {
        self.requires_replace = true;
        self
    }
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub type_name: &'static str,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub block_types: Vec<NestedBlock>,
    pub description: &'static str,
}

impl Block {
    /// The object type of values that conform to this block.
    pub fn value_type(&self) -> Type {
        let attrs = self.attributes.iter().map(|a| (a.name, a.ty.clone()));
        let blocks = self.block_types.iter().map(|b| {
            let inner = b.block.value_type();
            let ty = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
            };
            (b.type_name, ty)
        });
        Type::object(attrs.chain(blocks))
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_list_blocks_become_lists_of_objects() {
        let block = Block {
            attributes: vec![Attribute::optional("region", Type::String, "")],
            block_types: vec![NestedBlock {
                type_name: "endpoints",
                block: Block {
                    attributes: vec![Attribute::optional("workspaces", Type::String, "")],
                    ..Block::default()
                },
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
            }],
            description: "",
        };
        assert_eq!(
            block.value_type(),
            Type::object([
                ("region", Type::String),
                (
                    "endpoints",
                    Type::list(Type::object([("workspaces", Type::String)]))
                ),
            ])
        );
    }
}
