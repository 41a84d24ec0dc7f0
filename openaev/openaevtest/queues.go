package openaevtest

// The injector queues a registration declares on the platform's broker,
// and the injector an inject is dispatched to.

// QueueDeclarer declares an injector's queue on the platform's broker, as
// a registration does (rule 2): DeclareQueue is called with the
// registration's injector_id and returns the queue's name, the
// registration's "listen".
type QueueDeclarer interface {
	DeclareQueue(injectorID string) (queue string, err error)
}

// WithQueueDeclarer makes each registration declare its injector's queue
// with d before anything is stored, as 2.4.0's
// InjectorService.registerExternalInjector calls
// RabbitmqService.registerQueue first (:202): an error fails the
// registration, a 500 with nothing stored (the RuntimeException that
// wraps it, :244-245), and the queue d names is the reply's "listen".
// Without it nothing is declared: the reply names the queue of SetBroker,
// or openaev_injector_<injector_id>, and a test declares it itself.
func WithQueueDeclarer(d QueueDeclarer) Option {
	return func(p *Platform) { p.declarer = d }
}

// declareQueue declares the queue of injector id with the platform's
// declarer; it returns "" without one.
func (p *Platform) declareQueue(id string) (string, error) {
	if p.declarer == nil {
		return "", nil
	}
	return p.declarer.DeclareQueue(id)
}

// InjectorOf returns the contract of inject id and the id of the
// injector the platform publishes it on (Executor.executeExternal:
// RabbitmqService.publish with the injector's id as routing key): the
// injector it names (SetInjectInjector), else the one injector of its
// contract's first linked injector's type, "" when there is none or
// more than one, which fails the inject unpublished (injectinjector.go;
// InjectorWhy says why); ok is false when the platform knows no such
// inject.
func (p *Platform) InjectorOf(injectID string) (contractID, injectorID string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[injectID]
	if in == nil {
		return "", "", false
	}
	injectorID, _ = p.injectorOfLocked(in)
	return in.contract, injectorID, true
}
