// Package portal is the domain root of Relais: the types a debt-recovery
// portal talks about (tenants, creditors, debtors, claims, invoices, money,
// events), their validation rules, the error model, and the service
// interfaces that sub-packages implement.
//
// It imports no web framework, ORM, payment SDK or database driver; those
// live in sub-packages named after what they wrap (portal/store for GORM,
// and so on), and cmd/relais wires them together.
package portal
