package cloudscan

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"go.uber.org/zap"
)

var listedName = regexp.MustCompile(`<Name>([^<]+)</Name>`)

// TestStandInListsTheBucketsOfTheRegionAsked checks the stand-in's
// ListBuckets filter: with bucket-region, only that region's buckets, as
// S3 answers (ListBuckets: BucketRegion), signed for that region only;
// without, every bucket.
func TestStandInListsTheBucketsOfTheRegionAsked(t *testing.T) {
	st := newStandIn(t, nil, filepath.Join("testdata", "standin", "two_regions"))
	tests := []struct {
		query, signed string
		wantStatus    int
		want          []string
	}{
		{"?bucket-region=eu-west-1", "eu-west-1", http.StatusOK, []string{"west-logs"}},
		{"?bucket-region=us-east-1", "us-east-1", http.StatusOK, []string{"east-logs"}},
		{"?bucket-region=ap-east-1", "ap-east-1", http.StatusOK, []string{"hk-logs"}},
		{"?bucket-region=eu-west-2", "eu-west-2", http.StatusOK, nil},
		{"", "eu-west-1", http.StatusOK, []string{"east-logs", "west-logs", "hk-logs"}},
		// Not at the filter's regional endpoint: S3 refuses it.
		{"?bucket-region=us-east-1", "eu-west-1", http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query+" "+tt.signed, func(t *testing.T) {
			code, body := st.getSigned(t, "/"+paged(tt.query), "s3", tt.signed)
			var got []string
			for _, m := range listedName.FindAllSubmatch(body, -1) {
				got = append(got, string(m[1]))
			}
			if code != tt.wantStatus || !slices.Equal(got, tt.want) {
				t.Errorf("%d, buckets %q; want %d, %q", code, got, tt.wantStatus, tt.want)
			}
		})
	}
}

// TestStandInListsItsBucketsInTheirRegion checks the buckets the stand-in
// was given by name (gofakes3's, which it lists without a region): each
// is in one region, as every S3 bucket is, listed with it
// (Bucket.BucketRegion) and for that region's bucket-region only; without
// the filter ListBuckets is global: every bucket, whatever region the
// request is signed for. Before, such a bucket was listed for every
// region, so a scan of two regions read it twice, once from a region S3
// would have redirected.
func TestStandInListsItsBucketsInTheirRegion(t *testing.T) {
	st := newStandIn(t, []string{"private-logs", "east-archive@us-east-1"}, fixtures())
	bucketWithRegion := regexp.MustCompile(`(?s)<Name>([^<]+)</Name>.*?<BucketRegion>([^<]*)</BucketRegion>`)
	tests := []struct {
		query, signed string
		want          []string
	}{
		{"?bucket-region=eu-west-1", "eu-west-1", []string{"private-logs@eu-west-1"}},
		{"?bucket-region=us-east-1", "us-east-1", []string{"east-archive@us-east-1"}},
		{"?bucket-region=eu-west-2", "eu-west-2", nil},
		{"", "ap-south-1", []string{"east-archive@us-east-1", "private-logs@eu-west-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query+" "+tt.signed, func(t *testing.T) {
			code, body := st.getSigned(t, "/"+paged(tt.query), "s3", tt.signed)
			var got []string
			for _, m := range bucketWithRegion.FindAllSubmatch(body, -1) {
				got = append(got, string(m[1])+"@"+string(m[2]))
			}
			slices.Sort(got) // gofakes3 lists in the order the buckets were made
			if n := len(listedName.FindAll(body, -1)); code != http.StatusOK || n != len(got) || !slices.Equal(got, tt.want) {
				t.Errorf("%d, buckets %q (%d listed); want 200, %q", code, got, n, tt.want)
			}
		})
	}
}

// TestCheckS3AsksForItsRegionsBuckets checks that the S3 check sends the
// bucket-region filter of the region it checks, and reads only the
// buckets S3 lists for it.
func TestCheckS3AsksForItsRegionsBuckets(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, filepath.Join("testdata", "standin", "two_regions"), fixtures())
	sess, err := awsProvider{}.open(context.Background(), zap.NewNop(), defaultParams(), hostSettings{endpointURL: st.URL()}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	res := sess.check(context.Background(), ServiceS3, "us-east-1", "123456789012")
	var listed []string
	for _, c := range st.calls() {
		if c.Event == "s3.amazonaws.com:ListBuckets" {
			listed = append(listed, c.BucketRegion)
		}
		if c.Event == "s3.amazonaws.com:GetBucketAcl" && c.Region != "us-east-1" {
			t.Errorf("a bucket ACL read in %s", c.Region)
		}
	}
	if !slices.Equal(listed, []string{"us-east-1"}) {
		t.Errorf("ListBuckets sent with bucket-region %q, want [us-east-1]", listed)
	}
	var resources []string
	for _, f := range res.Findings {
		resources = append(resources, f.Resource)
	}
	if !slices.Equal(resources, []string{"east-logs"}) {
		t.Errorf("findings on %q, want on east-logs only", resources)
	}
}
