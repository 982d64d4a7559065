//! netinvite's behaviour tests: the real binary against the stand-in server, with a real
//! Secret Service keyring and a real X11 clipboard (see scripts/test.sh).

mod support;

mod access;
mod auth;
mod bulk;
mod create;
mod deadline;
mod errors;
mod faults;
mod gh;
mod help;
mod hostile;
mod idp;
mod invitee;
mod jq;
mod list;
mod load;
mod lookup;
mod manage;
mod oidc;
mod secrets;
mod state;
mod sync;
mod team;
mod tls;
