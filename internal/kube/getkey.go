package kube

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// getByKey reads one object from an informer, answering NotFound as the API would.
func getByKey[T any](inf cache.SharedIndexInformer, ns, name string, gr schema.GroupResource) (*T, error) {
	obj, ok, err := inf.GetIndexer().GetByKey(ns + "/" + name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apierrors.NewNotFound(gr, name)
	}
	t, ok := obj.(*T)
	if !ok {
		return nil, apierrors.NewNotFound(gr, name)
	}
	return t, nil
}
