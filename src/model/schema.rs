//! Schema vocabulary: attribute kinds, types, defaults and replace-on-change flags.

/// How an attribute gets its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Required,
    Optional,
    /// Set by the backend only.
    Computed,
    /// Taken from configuration when set, else kept from state (or assigned by the backend).
    OptionalComputed,
}

/// The value type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    String,
    Number,
    Bool,
    List,
    /// An unordered collection: stored sorted, so order in configuration never shows as a diff.
    Set,
    Map,
    /// A region name, compared in Azure's normalised form (`West Europe` = `westeurope`).
    Location,
}

/// A schema default, applied when configuration leaves an attribute unset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    None,
    Str(&'static str),
    Bool(bool),
    Int(i64),
}

/// One attribute of a resource or nested block.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    pub name: &'static str,
    pub kind: Kind,
    pub ty: Ty,
    pub force_new: bool,
    pub sensitive: bool,
    pub default: Default,
}

impl Attr {
    const fn new(name: &'static str, kind: Kind, ty: Ty) -> Attr {
        Attr {
            name,
            kind,
            ty,
            force_new: false,
            sensitive: false,
            default: Default::None,
        }
    }
    pub const fn required(name: &'static str, ty: Ty) -> Attr {
        Attr::new(name, Kind::Required, ty)
    }
    pub const fn optional(name: &'static str, ty: Ty) -> Attr {
        Attr::new(name, Kind::Optional, ty)
    }
    pub const fn computed(name: &'static str, ty: Ty) -> Attr {
        Attr::new(name, Kind::Computed, ty)
    }
    pub const fn optional_computed(name: &'static str, ty: Ty) -> Attr {
        Attr::new(name, Kind::OptionalComputed, ty)
    }
    /// A change forces the resource to be replaced.
    pub const fn force_new(mut self) -> Attr {
        self.force_new = true;
        self
    }
    pub const fn sensitive(mut self) -> Attr {
        self.sensitive = true;
        self
    }
    pub const fn default(mut self, default: Default) -> Attr {
        self.default = default;
        self
    }
    pub const fn default_str(self, s: &'static str) -> Attr {
        self.default(Default::Str(s))
    }
    pub const fn default_bool(self, b: bool) -> Attr {
        self.default(Default::Bool(b))
    }
    pub const fn default_int(self, i: i64) -> Attr {
        self.default(Default::Int(i))
    }
}

/// A nested block type (`ip_configuration { ... }`) or the body of a resource itself.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub name: &'static str,
    pub attrs: &'static [Attr],
    pub blocks: &'static [Block],
    pub min_items: usize,
    /// 0 means unbounded.
    pub max_items: usize,
    pub force_new: bool,
    /// Kept from state when configuration has none of these blocks.
    pub optional_computed: bool,
    /// Unordered: stored sorted so configuration order never shows as a diff.
    pub set: bool,
    /// Any argument and any nested block is accepted as written (opaque resources).
    pub open: bool,
    /// Arguments of older provider versions, still accepted under their old names.
    pub renamed: &'static [Renamed],
}

/// An argument an older azurerm version spelt differently.
#[derive(Debug, Clone, Copy)]
pub struct Renamed {
    pub old: &'static str,
    pub new: &'static str,
    pub convert: Convert,
}

/// How a value under the old name becomes a value under the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convert {
    Same,
    /// A single value becomes a one-element list (`address_prefix` → `address_prefixes`).
    ToList,
    /// A bool becomes `"Enabled"`/`"Disabled"`.
    EnabledDisabled,
    /// A bool that meant the opposite becomes `"Disabled"`/`"Enabled"` (`enforce_*` flags).
    DisabledEnabled,
    /// A bool that meant the opposite, negated (`enforce_*` flags that became `*_enabled`).
    Not,
}

impl Renamed {
    pub const fn new(old: &'static str, new: &'static str, convert: Convert) -> Renamed {
        Renamed { old, new, convert }
    }
}

/// The body of a resource type the tool does not model: anything goes, kept as written.
pub const OPEN: Block = Block {
    open: true,
    ..Block::new("", &[], &[])
};

/// A nested block of an [`OPEN`] body (named, unlike a body, so meta-arguments are only
/// recognised at the top).
pub const OPEN_NESTED: Block = Block {
    open: true,
    ..Block::new("*", &[], &[])
};

impl Block {
    pub const fn new(
        name: &'static str,
        attrs: &'static [Attr],
        blocks: &'static [Block],
    ) -> Block {
        Block {
            name,
            attrs,
            blocks,
            min_items: 0,
            max_items: 0,
            force_new: false,
            optional_computed: false,
            set: false,
            open: false,
            renamed: &[],
        }
    }
    pub const fn renamed(mut self, renamed: &'static [Renamed]) -> Block {
        self.renamed = renamed;
        self
    }
    pub const fn items(mut self, min: usize, max: usize) -> Block {
        self.min_items = min;
        self.max_items = max;
        self
    }
    pub const fn force_new(mut self) -> Block {
        self.force_new = true;
        self
    }
    pub const fn optional_computed(mut self) -> Block {
        self.optional_computed = true;
        self
    }
    pub const fn set(mut self) -> Block {
        self.set = true;
        self
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn block(&self, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// How the deterministic ARM id of a resource is formed from its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdShape {
    /// `/subscriptions/{sub}/resourceGroups/{name}`
    ResourceGroup,
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace/type}/{name}`
    Provider(&'static str),
    /// `.../virtualNetworks/{virtual_network_name}/{kind}/{name}`: subnets and peerings.
    VnetChild(&'static str),
    /// `{parent}/{kind}/{name}`, where `parent` is the argument holding the parent's id (a
    /// load balancer's backend pools).
    Child {
        parent: &'static str,
        kind: &'static str,
    },
    /// `{network_interface_id}/ipConfigurations/{ip_configuration_name}|{backend_address_pool_id}`,
    /// as azurerm spells a NIC's membership of a backend pool.
    PoolAssociation,
    /// Assigned by the backend when the object is created (random values).
    Assigned,
}

/// A resource type the tool models.
#[derive(Debug, Clone, Copy)]
pub struct ResourceSchema {
    pub type_name: &'static str,
    pub id_shape: IdShape,
    pub body: Block,
}
