package servetest

import "testing"

// Queues and messages of a node of a test's own.

// what names the node in failures.
func (n *Node) what() string { return "node " + n.Name }

// Queue declares a durable queue with a fresh name on the node.
func (n *Node) Queue(t testing.TB) string {
	t.Helper()
	return declareQueue(t, n.URL(), n.what(), nil)
}

// Publish sends each body to queue, persistent, and waits until the node
// confirmed them all.
func (n *Node) Publish(t testing.TB, queue string, bodies ...[]byte) {
	t.Helper()
	publishAt(t, n.URL(), n.what(), queue, bodies...)
}

// Counts returns the messages ready in queue and its consumers; the error
// is the node's when it refuses clients (between StopApp and StartApp).
func (n *Node) Counts(queue string) (ready, consumers int, err error) {
	return countsAt(n.URL(), queue)
}
