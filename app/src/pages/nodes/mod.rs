//! Settings → Nodes: the list, the add flow, and one node's page.

mod add;
mod detail;
mod list;

pub use add::AddNodePage;
pub use detail::NodePage;
pub use list::NodesPage;
