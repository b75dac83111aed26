//! Records as earlier versions wrote them, and how they read today. Each type here is a
//! frozen copy of a stored shape; the store's codec decodes into it and converts.

use super::card::OrderCard;
use super::customer::{
    Address, ChorusRouting, Contact, Customer, CustomerId, CustomerKind, Eligibility,
};
use super::date::{Date, Timestamp};
use super::document::DocLine;
use super::document::{BuyerSnapshot, DocNumber, FileRef, IssuedDocument, PoRef};
use super::ids::Siret;
use super::interest::{LateState, PenaltySettlement};
use super::money::{Cents, Totals, VatRate};
use super::order::{
    Attachment, Checklist, CreditRef, DocRef, InvoiceRef, Order, OrderId, OrderLine, OriginalPo,
    Payment, PreOrderInfo, QuoteInfo, Stage,
};
use serde::{Deserialize, Serialize};

/// Version 1: no exemption ground on lines.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderLineV1 {
    pub sku: String,
    pub designation: String,
    pub unit_price: Cents,
    pub vat: VatRate,
    pub ordered: u32,
    pub reserved: u32,
    pub delivered: u32,
    pub invoiced: u32,
}

/// Version 1: no contract reference.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OriginalPoV1 {
    pub po_number: String,
    pub po_date: Date,
    pub received_at: Timestamp,
    pub checklist: Checklist,
    pub verified_by: String,
}

/// Version 1: the due date was fixed at issue (invoice date + delay) and a credit note
/// could only cancel the whole invoice.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InvoiceRefV1 {
    pub number: DocNumber,
    pub date: Date,
    pub due_date: Date,
    pub amount_incl_vat: Cents,
    pub quantities: Vec<u32>,
    pub credited_by: Option<DocNumber>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderV1 {
    pub id: OrderId,
    pub number: DocNumber,
    pub customer: CustomerId,
    pub quote: QuoteInfo,
    pub header_address: Address,
    pub delivery_address: Address,
    pub contact: Contact,
    pub lines: Vec<OrderLineV1>,
    pub stage: Stage,
    pub stage_since: Timestamp,
    pub pre_order: Option<PreOrderInfo>,
    pub po: Option<OriginalPoV1>,
    pub documents: Vec<DocRef>,
    pub invoices: Vec<InvoiceRefV1>,
    pub payments: Vec<Payment>,
    pub closing_reason: Option<String>,
    pub created_at: Timestamp,
}

impl From<OrderV1> for Order {
    fn from(o: OrderV1) -> Order {
        Order {
            id: o.id,
            number: o.number,
            customer: o.customer,
            quote: o.quote,
            header_address: o.header_address,
            delivery_address: o.delivery_address,
            contact: o.contact,
            lines: o
                .lines
                .into_iter()
                .map(|l| OrderLine {
                    sku: l.sku,
                    designation: l.designation,
                    unit_price: l.unit_price,
                    vat: l.vat,
                    ordered: l.ordered,
                    reserved: l.reserved,
                    delivered: l.delivered,
                    invoiced: l.invoiced,
                    exemption: None,
                })
                .collect(),
            stage: o.stage,
            stage_since: o.stage_since,
            pre_order: o.pre_order,
            po: o.po.map(|p| OriginalPo {
                po_number: p.po_number,
                po_date: p.po_date,
                received_at: p.received_at,
                checklist: p.checklist,
                verified_by: p.verified_by,
                contract: None,
            }),
            documents: o.documents,
            invoices: o
                .invoices
                .into_iter()
                .map(|i| {
                    // The old due date was invoice date + delay: keep that delay.
                    let delay = i.due_date.days_since(i.date).max(0) as u32;
                    InvoiceRef {
                        number: i.number,
                        date: i.date,
                        delay_days: delay,
                        received_on: None,
                        suspension: None,
                        amount_incl_vat: i.amount_incl_vat,
                        credits: i
                            .credited_by
                            .map(|n| CreditRef {
                                number: n,
                                amount_incl_vat: i.amount_incl_vat,
                                quantities: i.quantities.clone(),
                                cancels: true,
                            })
                            .into_iter()
                            .collect(),
                        quantities: i.quantities,
                    }
                })
                .collect(),
            payments: o.payments,
            refunds: Vec::new(),
            penalty_settlements: Vec::new(),
            po_scan: None,
            closing_reason: o.closing_reason,
            created_at: o.created_at,
        }
    }
}

/// Version 1 of the card: unpaid amount per due date only.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderCardV1 {
    pub id: OrderId,
    pub number: DocNumber,
    pub customer: CustomerId,
    pub stage: Stage,
    pub stage_since: Timestamp,
    pub valid_until: Date,
    pub renewed: bool,
    pub total_incl_vat: Cents,
    pub outstanding: Cents,
    pub unpaid_invoices: Vec<(Date, Cents)>,
    pub partial_delivery: bool,
}

impl From<OrderCardV1> for OrderCard {
    fn from(c: OrderCardV1) -> OrderCard {
        OrderCard {
            id: c.id,
            number: c.number,
            customer: c.customer,
            stage: c.stage,
            stage_since: c.stage_since,
            valid_until: c.valid_until,
            renewed: c.renewed,
            total_incl_vat: c.total_incl_vat,
            outstanding: c.outstanding,
            late: c
                .unpaid_invoices
                .into_iter()
                .map(|(due, unpaid)| LateState {
                    invoice: c.number,
                    due: Some(due),
                    unpaid,
                    paid_late_cent_days: 0,
                    paid_late: false,
                })
                .collect(),
            penalty_settled: Cents::ZERO,
            partial_delivery: c.partial_delivery,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocLineV1 {
    pub sku: String,
    pub designation: String,
    pub quantity: u32,
    pub unit_price: Cents,
    pub vat: VatRate,
    pub amount: Cents,
    pub ordered: u32,
    pub remaining: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PoRefV1 {
    pub number: String,
    pub date: Date,
}

/// Version 1 of an issued document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuedDocumentV1 {
    pub number: DocNumber,
    pub order: OrderId,
    pub order_number: DocNumber,
    pub issued_at: Timestamp,
    pub date: Date,
    pub issued_by: String,
    pub buyer: BuyerSnapshot,
    pub lines: Vec<DocLineV1>,
    pub totals: Totals,
    pub po: Option<PoRefV1>,
    pub quote_version: Option<u32>,
    pub valid_until: Option<Date>,
    pub renews: Option<DocNumber>,
    pub delivery_date: Option<Date>,
    pub due_date: Option<Date>,
    pub cancels: Option<(DocNumber, Date)>,
    pub reason: Option<String>,
    pub files: Vec<FileRef>,
    pub synthetic: bool,
}

impl From<IssuedDocumentV1> for IssuedDocument {
    fn from(d: IssuedDocumentV1) -> IssuedDocument {
        IssuedDocument {
            number: d.number,
            order: d.order,
            order_number: d.order_number,
            issued_at: d.issued_at,
            date: d.date,
            issued_by: d.issued_by,
            buyer: d.buyer,
            lines: d
                .lines
                .into_iter()
                .map(|l| DocLine {
                    delivered_before: l.ordered.saturating_sub(l.remaining + l.quantity),
                    sku: l.sku,
                    designation: l.designation,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    vat: l.vat,
                    amount: l.amount,
                    ordered: l.ordered,
                    remaining: l.remaining,
                    exemption: None,
                })
                .collect(),
            totals: d.totals,
            po: d.po.map(|p| PoRef {
                number: p.number,
                date: p.date,
                contract: None,
            }),
            quote_version: d.quote_version,
            valid_until: d.valid_until,
            renews: d.renews,
            delivery_date: d.delivery_date,
            due_date: d.due_date,
            cancels: d.cancels,
            reason: d.reason,
            partial: false,
            delivery_notes: Vec::new(),
            late_rate_bp: None,
            files: d.files,
            synthetic: d.synthetic,
        }
    }
}

/// Version 1: no market reference in the Chorus routing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChorusRoutingV1 {
    pub service_code: Option<String>,
    pub service_code_required: bool,
    pub engagement_required: bool,
}

/// Version 1 of a customer account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustomerV1 {
    pub id: CustomerId,
    pub legal_name: String,
    pub siret: Siret,
    pub categorie: String,
    pub kind: CustomerKind,
    pub eligibility: Eligibility,
    pub header_address: Address,
    pub delivery_addresses: Vec<Address>,
    pub contacts: Vec<Contact>,
    pub chorus: ChorusRoutingV1,
    pub created_at: Timestamp,
}

impl From<CustomerV1> for Customer {
    fn from(c: CustomerV1) -> Customer {
        Customer {
            id: c.id,
            legal_name: c.legal_name,
            siret: c.siret,
            categorie: c.categorie,
            kind: c.kind,
            eligibility: c.eligibility,
            header_address: c.header_address,
            delivery_addresses: c.delivery_addresses,
            contacts: c.contacts,
            chorus: ChorusRouting {
                service_code: c.chorus.service_code,
                service_code_required: c.chorus.service_code_required,
                engagement_required: c.chorus.engagement_required,
                market_reference: None,
            },
            created_at: c.created_at,
        }
    }
}

/// Version 2: no refunds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderV2 {
    pub id: OrderId,
    pub number: DocNumber,
    pub customer: CustomerId,
    pub quote: QuoteInfo,
    pub header_address: Address,
    pub delivery_address: Address,
    pub contact: Contact,
    pub lines: Vec<OrderLine>,
    pub stage: Stage,
    pub stage_since: Timestamp,
    pub pre_order: Option<PreOrderInfo>,
    pub po: Option<OriginalPo>,
    pub documents: Vec<DocRef>,
    pub invoices: Vec<InvoiceRef>,
    pub payments: Vec<Payment>,
    pub penalty_settlements: Vec<PenaltySettlement>,
    pub po_scan: Option<Attachment>,
    pub closing_reason: Option<String>,
    pub created_at: Timestamp,
}

impl From<OrderV2> for Order {
    fn from(o: OrderV2) -> Order {
        Order {
            id: o.id,
            number: o.number,
            customer: o.customer,
            quote: o.quote,
            header_address: o.header_address,
            delivery_address: o.delivery_address,
            contact: o.contact,
            lines: o.lines,
            stage: o.stage,
            stage_since: o.stage_since,
            pre_order: o.pre_order,
            po: o.po,
            documents: o.documents,
            invoices: o.invoices,
            payments: o.payments,
            refunds: Vec::new(),
            penalty_settlements: o.penalty_settlements,
            po_scan: o.po_scan,
            closing_reason: o.closing_reason,
            created_at: o.created_at,
        }
    }
}
