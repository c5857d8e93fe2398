package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

var _ portal.TenantService = (*DB)(nil)

// CreateTenant stores a tenant.
func (db *DB) CreateTenant(ctx context.Context, t *portal.Tenant) error {
	if strings.TrimSpace(t.Name) == "" {
		return portal.FieldError("name", "name is required")
	}
	if t.ID == "" {
		t.ID = portal.NewID(db.Now())
	}
	if t.Timezone == "" {
		t.Timezone = "Europe/Paris"
	}
	if t.Retention == (portal.RetentionPolicy{}) {
		t.Retention = portal.DefaultRetention()
	}
	if err := t.Retention.Validate(); err != nil {
		return err
	}
	t.CreatedAt = db.Now()
	return translate("create tenant", db.conn(ctx).Create(t).Error)
}

// FindTenant returns a tenant by ID.
func (db *DB) FindTenant(ctx context.Context, id string) (*portal.Tenant, error) {
	var t portal.Tenant
	if err := db.conn(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, translate("find tenant", err)
	}
	return &t, nil
}

// CreateCreditor stores a creditor of a tenant.
func (db *DB) CreateCreditor(ctx context.Context, c *portal.Creditor) error {
	if strings.TrimSpace(c.LegalName) == "" {
		return portal.FieldError("legal_name", "legal_name is required")
	}
	c.ID = portal.NewID(db.Now())
	c.CreatedAt = db.Now()
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return translate("create creditor", err)
		}
		return db.logAccount(ctx, tx, c.TenantID, portal.AccountCreditorCreated, c.ID, map[string]any{"creditor_id": c.ID, "creditor": c})
	})
}

// FindCreditors lists a tenant's creditors, oldest first.
func (db *DB) FindCreditors(ctx context.Context, tenantID string) ([]*portal.Creditor, error) {
	out := []*portal.Creditor{}
	err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&out).Error
	return out, translate("find creditors", err)
}

// MinPasswordLen is the shortest password accepted for a console user.
const MinPasswordLen = 10

// CreateUser stores a user with a bcrypt hash of password.
func (db *DB) CreateUser(ctx context.Context, u *portal.User, password string) error {
	u.Email = portal.NormalizeEmail(u.Email)
	if !strings.Contains(u.Email, "@") {
		return portal.FieldError("email", "email is not a valid e-mail address")
	}
	if !u.Role.Valid() {
		return portal.FieldError("role", "role must be owner, agent or viewer")
	}
	if len(password) < MinPasswordLen || len(password) > 72 {
		return portal.FieldError("password", "password must be between %d and 72 characters", MinPasswordLen)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	u.ID = portal.NewID(db.Now())
	u.PasswordHash = string(hash)
	u.CreatedAt = db.Now()
	err = db.conn(ctx).Create(u).Error
	if portal.ErrorCode(translate("", err)) == portal.ECONFLICT {
		return portal.FieldError("email", "a user with this e-mail already exists")
	}
	return translate("create user", err)
}

// dummyHash makes an unknown e-mail cost as much as a wrong password, so
// that timing does not tell which e-mails exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("relais-timing-equaliser"), bcrypt.DefaultCost)

// Authenticate checks an e-mail and password.
func (db *DB) Authenticate(ctx context.Context, email, password string) (*portal.User, error) {
	var u portal.User
	err := db.conn(ctx).Where("email = ?", portal.NormalizeEmail(email)).Take(&u).Error
	if err != nil {
		if portal.ErrorCode(translate("", err)) != portal.ENOTFOUND {
			return nil, translate("find user", err)
		}
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, portal.Errorf(portal.EUNAUTHORIZED, "Wrong e-mail or password.")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, portal.Errorf(portal.EUNAUTHORIZED, "Wrong e-mail or password.")
	}
	return &u, nil
}

// FindUser returns a user by ID.
func (db *DB) FindUser(ctx context.Context, id string) (*portal.User, error) {
	var u portal.User
	if err := db.conn(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, translate("find user", err)
	}
	return &u, nil
}

// SetUserLanguage implements portal.TenantService.
func (db *DB) SetUserLanguage(ctx context.Context, tenantID, userID, lang string) error {
	if !portal.ValidLanguage(lang) {
		return portal.FieldError("language", "language must be one of fr, nl, en, de")
	}
	res := db.conn(ctx).Model(&portal.User{}).Where("id = ? AND tenant_id = ?", userID, tenantID).Update("language", lang)
	if res.Error != nil {
		return translate("set user language", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ENOTFOUND, "user not found")
	}
	return nil
}

// SetUserAway implements portal.TenantService.
func (db *DB) SetUserAway(ctx context.Context, tenantID, userID string, away bool) error {
	res := db.conn(ctx).Model(&portal.User{}).Where("id = ? AND tenant_id = ?", userID, tenantID).Update("away", away)
	if res.Error != nil {
		return translate("set user away", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ENOTFOUND, "user not found")
	}
	return nil
}

// ListUsers implements portal.TenantService.
func (db *DB) ListUsers(ctx context.Context, tenantID string) ([]*portal.User, error) {
	var users []*portal.User
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("name, email").Find(&users).Error; err != nil {
		return nil, translate("list users", err)
	}
	return users, nil
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// APIKeyPrefix starts every API key, so that secret scanners and people
// recognise one.
const APIKeyPrefix = "rls_"

// CreateAPIKey makes a key "rls_<8 visible>_<secret>" with 160 random bits
// of secret, stores its SHA-256 and returns the key once.
func (db *DB) CreateAPIKey(ctx context.Context, tenantID, name string) (*portal.APIKey, string, error) {
	buf := make([]byte, 25)
	if _, err := rand.Read(buf); err != nil {
		return nil, "", err
	}
	s := strings.ToLower(keyEncoding.EncodeToString(buf)) // 40 chars
	secret := APIKeyPrefix + s[:8] + "_" + s[8:]
	k := &portal.APIKey{
		ID: portal.NewID(db.Now()), TenantID: tenantID, Name: name, Prefix: APIKeyPrefix + s[:8],
		Hash: portal.SHA256Hex([]byte(secret)), CreatedAt: db.Now(),
	}
	if err := db.conn(ctx).Create(k).Error; err != nil {
		return nil, "", translate("create api key", err)
	}
	return k, secret, nil
}

// AuthenticateAPIKey finds the key whose hash matches secret. The lookup is
// by hash of a high-entropy secret, so its timing reveals nothing usable.
func (db *DB) AuthenticateAPIKey(ctx context.Context, secret string) (*portal.APIKey, error) {
	unauthorized := portal.Errorf(portal.EUNAUTHORIZED, "Invalid or revoked API key.")
	if !strings.HasPrefix(secret, APIKeyPrefix) || len(secret) > 100 {
		return nil, unauthorized
	}
	var k portal.APIKey
	err := db.conn(ctx).Where("hash = ?", portal.SHA256Hex([]byte(secret))).Take(&k).Error
	if err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, unauthorized
		}
		return nil, translate("find api key", err)
	}
	if k.RevokedAt != nil {
		return nil, unauthorized
	}
	return &k, nil
}

// RevokeAPIKey revokes a key of a tenant; ENOTFOUND for another tenant's key.
func (db *DB) RevokeAPIKey(ctx context.Context, tenantID, id string) error {
	now := db.Now()
	res := db.conn(ctx).Model(&portal.APIKey{}).Where("id = ? AND tenant_id = ? AND revoked_at IS NULL", id, tenantID).
		Update("revoked_at", now)
	if res.Error != nil {
		return translate("revoke api key", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ENOTFOUND, "API key not found.")
	}
	return nil
}

var _ portal.CreditorStore = (*DB)(nil)

// FindCreditor returns a creditor of the tenant.
func (db *DB) FindCreditor(ctx context.Context, tenantID, id string) (*portal.Creditor, error) {
	var c portal.Creditor
	err := db.conn(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&c).Error
	if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
		return nil, portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	return &c, translate("find creditor", err)
}

// UpdateCreditor stores a changed creditor of its tenant (the caller
// validated it); its ID, tenant and creation time stay.
func (db *DB) UpdateCreditor(ctx context.Context, c *portal.Creditor) error {
	if strings.TrimSpace(c.LegalName) == "" {
		return portal.FieldError("legal_name", "legal_name is required")
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&portal.Creditor{}).Where("tenant_id = ? AND id = ?", c.TenantID, c.ID).Updates(map[string]any{
			"legal_name": c.LegalName, "company_number": c.CompanyNumber, "vat_number": c.VATNumber, "address": c.Address,
			"country": c.Country, "iban": c.IBAN, "bic": c.BIC, "email": c.Email, "phone": c.Phone,
		})
		if res.Error != nil {
			return translate("update creditor", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
		}
		return db.logAccount(ctx, tx, c.TenantID, portal.AccountCreditorUpdated, c.ID, map[string]any{"creditor_id": c.ID, "creditor": c})
	})
}
