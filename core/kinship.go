package core

// Kin is how one member of a household is related to another, derived from
// their relations to the head.
type Kin int

// Kinds of kin the rules care about.
const (
	KinNone Kin = iota
	KinParent
	KinGrandparent
	// KinParentOrUncle is a son, daughter or child-in-law of the head when
	// the child is the head's grandchild: the register cannot tell the
	// child's parent from an aunt or uncle, only the birth record can.
	KinParentOrUncle
)

// kinship returns what a member with relation other is to a child with
// relation child, both relations being to the same head of household.
func kinship(child, other Relation) Kin {
	switch child {
	case RelSon, RelDaughter:
		switch other {
		case RelHead, RelSpouse:
			return KinParent
		case RelFather, RelMother:
			return KinGrandparent
		}
	case RelGrandson, RelGranddaughter:
		switch other {
		case RelHead, RelSpouse:
			return KinGrandparent
		case RelSon, RelDaughter, RelDaughterInLaw, RelSonInLaw:
			return KinParentOrUncle
		}
	}
	return KinNone
}

// RelationToChild names what the guardian is to the child, in words for the
// form (父亲, 母亲, 祖父母 …), or "" when the records do not say.
func RelationToChild(kin Kin, s Sex) string {
	switch {
	case kin == KinParent && s == Male:
		return "父亲"
	case kin == KinParent:
		return "母亲"
	case kin == KinGrandparent && s == Male:
		return "祖父/外祖父"
	case kin == KinGrandparent:
		return "祖母/外祖母"
	}
	return ""
}
