package passkey

import "strings"

// tcgVendorIDs are the TPM manufacturer ids (TPM_PT_MANUFACTURER) of Table 2,
// "TPM Capabilities Vendor ID", of the TCG TPM Vendor ID Registry Family 1.2
// and 2.0, Version 1.08 (https://trustedcomputinggroup.org/resource/vendor-id-registry/).
// go-webauthn accepts an AIK only from these manufacturers (plus the FIDO
// Alliance conformance tools' FFFFF1D0); keytier holds its own copy of the
// registry's facts because go-webauthn's is private and a statement keytier
// verifies as of a past time never reaches go-webauthn's check.
var tcgVendorIDs = map[string]string{
	"414D4400": "AMD",
	"414E5400": "Ant Group",
	"41524D00": "Arm",
	"41544D4C": "Atmel",
	"4252434D": "Broadcom",
	"4353434F": "Cisco",
	"464C5953": "Flyslice Technologies",
	"524F4343": "Fuzhou Rockchip",
	"474F4F47": "Google",
	"48504900": "HPI",
	"48504500": "HPE",
	"48495349": "Huawei",
	"49424D00": "IBM",
	"49465800": "Infineon",
	"494E5443": "Intel",
	"4C454E00": "Lenovo",
	"4D534654": "Microsoft",
	"4E534D20": "National Semiconductor",
	"4E545A00": "Nationz",
	"4E534700": "NSING",
	"4E544300": "Nuvoton Technology",
	"51434F4D": "Qualcomm",
	"534D534E": "Samsung",
	"53454345": "SecEdge",
	"534E5300": "Sinosun",
	"534D5343": "SMSC",
	"53544D20": "STMicroelectronics",
	"54584E00": "Texas Instruments",
	"57454300": "Winbond",
	"5345414C": "Wisekey",
	"FFFFF1D0": "FIDO Alliance conformance testing (not a TCG id)",
}

// tcgVendor reports whether id (hex, any case, as the AIK's subject
// alternative name carries it) is a registered TPM manufacturer.
func tcgVendor(id string) bool {
	_, ok := tcgVendorIDs[strings.ToUpper(id)]
	return ok
}
