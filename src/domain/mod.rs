//! The business of comptoir, pure: no IO, no clock, no storage. Time is passed in.
//!
//! Invariant: nothing in this module depends on redb, ratatui, russh or tokio.

pub mod bank;
pub mod card;
pub mod chorus;
pub mod correction;
pub mod credit;
pub mod customer;
pub mod date;
pub mod document;
pub mod error;
pub mod event;
pub mod ids;
pub mod interest;
pub mod legacy;
pub mod legal;
pub mod letter;
pub mod mail;
pub mod money;
pub mod order;
pub mod permission;
pub mod pipeline;
pub mod seller;
pub mod statement;
pub mod text;

pub use card::{Flag, OrderCard};
pub use customer::{
    Address, ChorusRouting, Contact, Customer, CustomerId, CustomerKind, CustomerSummary,
    Eligibility, EligibilityStatus,
};
pub use date::{Date, Timestamp};
pub use document::{
    BuyerSnapshot, DocKind, DocLine, DocNumber, FileFormat, FileRef, IssuedDocument, PoRef,
};
pub use error::{Operation, PipelineError, Reason};
pub use event::{AccessEvent, Action, ActorKind, ActorRef, AuditRecord, Event, LoginRefusal, Role};
pub use ids::Siret;
pub use money::{Cents, Totals, VatLine, VatRate, format_eur};
pub use order::{Checklist, Order, OrderId, OrderLine, Product, Stage};
pub use permission::Permission;
