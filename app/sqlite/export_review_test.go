package sqlite

// ForgetReviewTotals drops the cached queue totals, as a change would:
// for the benchmark of a filter counted afresh.
func (s *EngineStore) ForgetReviewTotals() { s.review.gen.Add(1) }
